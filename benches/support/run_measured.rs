//! Runs the crossreview binary as a whole process, as a user would, for the benches that time
//! commands (`import`, `merge`).

use std::ffi::OsStr;
use std::fmt::Debug;
use std::path::Path;
use std::process::Command;
use std::time::Instant;

/// Runs `crossreview args…`, returning (seconds, peak RSS in KiB if `/usr/bin/time` is there to
/// tell, stdout). Panics, with its standard error, if the command fails.
pub fn run_measured<A: AsRef<OsStr> + Debug>(bin: &Path, args: &[A]) -> (f64, Option<u64>, String) {
    let time = Path::new("/usr/bin/time");
    let mut cmd = if time.exists() {
        let mut c = Command::new(time);
        c.arg("-f").arg("MAXRSS_KB=%M").arg(bin);
        c
    } else {
        Command::new(bin)
    };
    cmd.args(args);
    let start = Instant::now();
    let out = cmd.output().expect("run crossreview");
    let secs = start.elapsed().as_secs_f64();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "crossreview {args:?} failed: {stderr}");
    let rss = stderr.lines().find_map(|l| l.strip_prefix("MAXRSS_KB=")).and_then(|v| v.trim().parse().ok());
    (secs, rss, String::from_utf8_lossy(&out.stdout).into_owned())
}
