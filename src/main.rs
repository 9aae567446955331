// No unwrap outside tests: `expect("why it cannot fail")` or an error (clippy.toml lets tests unwrap).
#![deny(clippy::unwrap_used)]

use clap::Parser;
use std::process::ExitCode;

/// Why mimalloc: an import allocates and frees a few small strings per JSON field on one thread
/// and frees some on another; with glibc's allocator that was half of the parsing thread's
/// time (benches/import.rs).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    // Like other Unix tools, stop quietly when the reader of our output goes away
    // (`crossreview show … | head`) instead of panicking on a broken pipe.
    #[cfg(unix)]
    // SAFETY: called first thing, before any thread exists; restores the default disposition.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    crossreview::file_size_limit::ignore_signal();
    let cli = crossreview::cli::Cli::parse();
    match crossreview::commands::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            for line in &e.lines {
                crossreview::errln!("{line}");
            }
            ExitCode::from(e.code)
        }
    }
}
