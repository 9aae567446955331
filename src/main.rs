use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = crossreview::cli::Cli::parse();
    match crossreview::commands::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            for line in &e.lines {
                eprintln!("{line}");
            }
            ExitCode::from(e.code)
        }
    }
}
