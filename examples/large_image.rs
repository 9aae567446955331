//! Decode time and peak memory of a 50-megapixel photo on both image paths: the TUI's decoder
//! (`tui::image::decode`, run on its worker thread) and `show`'s (`imaging::load_display_image`).
//! Each path runs in its own process so its peak resident memory (VmHWM) is its own.
//!
//! ```text
//! cargo run --release --example large_image -- make FILE.jpg [WIDTH HEIGHT]   # a synthetic photo (default 8660 x 5773)
//! cargo run --release --example large_image -- tui FILE.jpg
//! cargo run --release --example large_image -- show FILE.jpg
//! jpegtran -progressive -outfile FILE-p.jpg FILE.jpg    # the progressive variant (libjpeg-turbo-progs)
//! ```

use std::path::Path;
use std::time::Instant;

#[path = "../benches/support/photo.rs"]
mod photo;

/// Peak resident set size of this process so far, in MB (Linux: VmHWM in /proc/self/status).
fn peak_rss_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let usage = "usage: large_image make FILE [W H] | tui FILE | show FILE";
    let (what, file) = match args.as_slice() {
        [what, file, ..] => (what.as_str(), Path::new(file)),
        _ => {
            eprintln!("{usage}");
            std::process::exit(2)
        }
    };
    match what {
        "make" => {
            let w = args.get(2).map_or(8660, |s| s.parse().expect("WIDTH"));
            let h = args.get(3).map_or(5773, |s| s.parse().expect("HEIGHT"));
            let t = Instant::now();
            photo::write_synthetic_photo(file, w, h).expect("writing the photo");
            let size = std::fs::metadata(file).unwrap().len();
            println!(
                "{w} x {h} ({:.1} MP), {:.1} MB JPEG, written in {:.2} s",
                (w as f64 * h as f64) / 1e6,
                size as f64 / 1e6,
                t.elapsed().as_secs_f64()
            );
        }
        "tui" | "show" => {
            let before = peak_rss_mb().unwrap_or(0.0);
            let t = Instant::now();
            let result = if what == "tui" {
                crossreview::tui::image::decode(file).map_err(|e| e.to_string())
            } else {
                crossreview::imaging::load_display_image(file).map_err(|e| e.to_string())
            };
            let secs = t.elapsed().as_secs_f64();
            let peak = peak_rss_mb().unwrap_or(0.0);
            match result {
                Ok(img) => println!(
                    "{what}: {} x {} in {secs:.2} s; peak RSS {peak:.0} MB ({before:.0} MB before decoding)",
                    img.width(),
                    img.height()
                ),
                Err(why) => {
                    println!("{what}: placeholder \"{why}\" after {secs:.2} s; peak RSS {peak:.0} MB")
                }
            }
        }
        _ => {
            eprintln!("{usage}");
            std::process::exit(2)
        }
    }
}
