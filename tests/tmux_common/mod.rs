//! Runs the real binary inside tmux and reads the screen back with `capture-pane`: what a user
//! of tmux sees, measured by tmux itself. The vt100 parser used by the other end-to-end tests
//! shares our width table, so only a real terminal can show a width disagreement.
//!
//! Each [`Tmux`] is a private server (`tmux -S <socket in a temporary folder> -f /dev/null`),
//! killed on drop, its socket removed with the folder.
//! Screen columns are computed with the C library's `wcwidth` in a UTF-8 locale, the function
//! tmux itself measures with.
#![allow(dead_code)]

use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

const TMUX: &str = "tmux";
/// The locale the server and the program run in; tmux only draws UTF-8 in a UTF-8 locale.
const LOCALE: &str = "C.UTF-8";

pub struct Tmux {
    socket: String,
    _dir: tempfile::TempDir,
}

impl Tmux {
    /// A private tmux server, or `None` (after saying so) when tmux is not installed. On CI
    /// (`CI=true`) a missing tmux fails the test instead: these tests must run there.
    pub fn start() -> Option<Tmux> {
        if let Err(e) = Command::new(TMUX).arg("-V").output() {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "tmux is required on CI for the tmux end-to-end tests: {e} (apt-get install tmux)"
            );
            eprintln!(
                "skipped: tmux not installed ({e}); install it (apt-get install tmux) to run this test"
            );
            return None;
        }
        // tmux's server detaches through /dev/null; if something replaced the device with a
        // file, every session fails with a bare "server exited unexpectedly".
        use std::os::unix::fs::FileTypeExt;
        assert!(
            std::fs::metadata("/dev/null").is_ok_and(|m| m.file_type().is_char_device()),
            "/dev/null is not a character device (something replaced it with a file): tmux cannot start"
        );
        let dir = tempfile::Builder::new().prefix("crossreview-tmux").tempdir().expect("temporary folder");
        let socket = dir.path().join("socket").to_str().expect("utf-8 path").to_string();
        Some(Tmux { socket, _dir: dir })
    }

    fn run(&self, args: &[&str]) -> Output {
        Command::new(TMUX)
            .args(["-u", "-S", &self.socket, "-f", "/dev/null"])
            .args(args)
            .env("LANG", LOCALE)
            .env("LC_ALL", LOCALE)
            .env_remove("TMUX")
            .output()
            .expect("tmux runs")
    }

    /// Starts `program args…` in a new detached session `name` of `cols` × `rows`, in `cwd`.
    pub fn spawn(&self, name: &str, cwd: &Path, cols: u16, rows: u16, program: &str, args: &[&str]) {
        let (cols, rows) = (cols.to_string(), rows.to_string());
        let lang = format!("LANG={LOCALE}");
        let lc_all = format!("LC_ALL={LOCALE}");
        let mut argv = vec!["new-session", "-d", "-s", name, "-x", &cols, "-y", &rows];
        argv.extend(["-c", cwd.to_str().expect("utf-8 path"), "-e", &lang, "-e", &lc_all, program]);
        argv.extend_from_slice(args);
        let out = self.run(&argv);
        assert!(out.status.success(), "tmux new-session failed: {}", String::from_utf8_lossy(&out.stderr));
        // Keep the pane after the program exits, so that a crash shows on the capture.
        self.run(&["set-option", "-t", name, "remain-on-exit", "on"]);
    }

    /// Sends tmux key names (`q`, `Enter`, `Down`…) to session `name`.
    pub fn send_keys(&self, name: &str, keys: &[&str]) {
        let mut argv = vec!["send-keys", "-t", name];
        argv.extend_from_slice(keys);
        let out = self.run(&argv);
        assert!(out.status.success(), "tmux send-keys failed: {}", String::from_utf8_lossy(&out.stderr));
    }

    /// The visible screen of session `name`, one string per row (trailing spaces kept).
    pub fn capture(&self, name: &str) -> Vec<String> {
        let out = self.run(&["capture-pane", "-p", "-N", "-t", name]);
        assert!(out.status.success(), "tmux capture-pane failed: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).expect("capture is UTF-8").lines().map(str::to_string).collect()
    }

    /// Polls the screen of `name` until it contains `what` (20 s at most) and returns it.
    pub fn wait_for(&self, name: &str, what: &str) -> Vec<String> {
        let start = Instant::now();
        loop {
            let screen = self.capture(name);
            if screen.iter().any(|l| l.contains(what)) {
                return screen;
            }
            if start.elapsed() > Duration::from_secs(20) {
                panic!("timed out waiting for {what:?} in tmux; screen:\n{}", screen.join("\n"));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Polls until the screen stops changing (two equal captures 150 ms apart) and returns it.
    pub fn settled(&self, name: &str) -> Vec<String> {
        let mut last = self.capture(name);
        for _ in 0..100 {
            std::thread::sleep(Duration::from_millis(150));
            let now = self.capture(name);
            if now == last {
                return now;
            }
            last = now;
        }
        last
    }

    /// Waits until the program of session `name` has exited (20 s at most).
    pub fn wait_exit(&self, name: &str) {
        let start = Instant::now();
        while self.run(&["display-message", "-p", "-t", name, "#{pane_dead}"]).stdout.trim_ascii() != b"1" {
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "the program did not exit:\n{}",
                self.capture(name).join("\n")
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    pub fn kill_session(&self, name: &str) {
        self.run(&["kill-session", "-t", name]);
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        self.run(&["kill-server"]);
    }
}

unsafe extern "C" {
    fn wcwidth(c: libc::wchar_t) -> libc::c_int;
}

/// Switches this process's character type to UTF-8 so that `wcwidth` measures like tmux.
/// Returns false when no UTF-8 locale is installed.
fn utf8_ctype() -> bool {
    ["C.UTF-8", "C.utf8", "en_US.UTF-8"].iter().any(|name| {
        let c = std::ffi::CString::new(*name).unwrap();
        // SAFETY: setlocale with a valid C string; the tests only read the locale afterwards.
        !unsafe { libc::setlocale(libc::LC_CTYPE, c.as_ptr()) }.is_null()
    })
}

/// One screen cell as tmux stores it: its text (a character and the zero-width ones after it)
/// and its width.
#[derive(Debug, Clone, PartialEq)]
pub struct Cell {
    pub text: String,
    pub width: usize,
}

/// Splits a captured row into cells by column, as tmux placed them: each character takes
/// `wcwidth` columns and a zero-width one joins the cell before it. `cells[c]` is the cell that
/// starts at column `c`; the columns covered by a wide cell hold `None`.
pub fn row_cells(row: &str) -> Vec<Option<Cell>> {
    assert!(utf8_ctype(), "no UTF-8 locale for wcwidth");
    let mut cells: Vec<Option<Cell>> = Vec::new();
    let mut last: Option<usize> = None;
    for ch in row.chars() {
        // SAFETY: wcwidth is a pure lookup.
        let w = unsafe { wcwidth(ch as libc::wchar_t) };
        if w <= 0 {
            match last {
                Some(i) => cells[i].as_mut().unwrap().text.push(ch),
                None => cells.push(Some(Cell { text: ch.to_string(), width: 0 })),
            }
            continue;
        }
        last = Some(cells.len());
        cells.push(Some(Cell { text: ch.to_string(), width: w as usize }));
        for _ in 1..w {
            cells.push(None);
        }
    }
    cells
}

/// The text of the cells of `row` in columns `from..to`.
pub fn span(cells: &[Option<Cell>], from: usize, to: usize) -> String {
    cells.iter().take(to).skip(from).flatten().map(|c| c.text.as_str()).collect()
}

/// The symbol at column `col` of a row, if a cell starts there.
pub fn at(cells: &[Option<Cell>], col: usize) -> Option<&str> {
    cells.get(col).and_then(|c| c.as_ref()).map(|c| c.text.as_str())
}

/// A framed pane found on the screen: its top and bottom rows and left and right columns.
#[derive(Debug, Clone, Copy)]
pub struct Frame {
    pub top: usize,
    pub bottom: usize,
    pub left: usize,
    pub right: usize,
}

/// Every framed pane on the screen, checked: each `┌` has its `┐` on the same row and its `└`
/// and `┘` below in the same columns, and every row between has `│` exactly at both columns.
/// Panics with the screen on the first border out of place.
pub fn frames(screen: &[String]) -> Vec<Frame> {
    let rows: Vec<Vec<Option<Cell>>> = screen.iter().map(|r| row_cells(r)).collect();
    let dump = || screen.join("\n");
    let mut found = Vec::new();
    for (top, cells) in rows.iter().enumerate() {
        for left in 0..cells.len() {
            if at(cells, left) != Some("┌") {
                continue;
            }
            let right = (left + 1..cells.len())
                .find(|&c| at(cells, c) == Some("┐"))
                .unwrap_or_else(|| panic!("row {top}: ┌ at column {left} has no ┐\n{}", dump()));
            let bottom = (top + 1..rows.len())
                .find(|&r| at(&rows[r], left) != Some("│"))
                .unwrap_or_else(|| panic!("pane at row {top} column {left} has no bottom\n{}", dump()));
            assert_eq!(
                at(&rows[bottom], left),
                Some("└"),
                "row {bottom}: the left border of the pane at row {top} moved from column {left}\n{}",
                dump()
            );
            assert_eq!(
                at(&rows[bottom], right),
                Some("┘"),
                "row {bottom}: the bottom right corner of the pane at row {top} is not at column {right}\n{}",
                dump()
            );
            for (r, row) in rows.iter().enumerate().take(bottom).skip(top + 1) {
                assert_eq!(
                    at(row, right),
                    Some("│"),
                    "row {r}: the right border of the pane at row {top} moved from column {right}: {:?}\n{}",
                    screen[r],
                    dump()
                );
            }
            found.push(Frame { top, bottom, left, right });
        }
    }
    found
}

/// The rows inside a frame, as text.
pub fn inside(screen: &[String], f: Frame) -> Vec<String> {
    (f.top + 1..f.bottom).map(|r| span(&row_cells(&screen[r]), f.left + 1, f.right)).collect()
}

/// The title on a frame's top border.
pub fn title(screen: &[String], f: Frame) -> String {
    span(&row_cells(&screen[f.top]), f.left + 1, f.right).trim_end_matches('─').to_string()
}
