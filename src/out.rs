//! Every line a command prints goes through here, sanitized: names, ids, paths and messages come
//! from files someone else wrote (a merged session, an input file), and an escape sequence in
//! an annotator's name must not retitle the terminal or recolour it. Text is passed through
//! [`crate::text::sanitize`], the function the TUI uses, so the terminal sees the same visible
//! placeholders (`␛`) everywhere. Plain literals and numbers pass unchanged.
//!
//! Use [`outln!`](crate::outln) and [`errln!`](crate::errln) like `println!`/`eprintln!`, and
//! [`text`] for a prepared block. JSON goes out unsanitized through [`json`]: it is data, and
//! serde escapes every control character in strings. A test in this module fails when a
//! command prints any other way.

use std::io::Write;

/// Writes `s` to `w` sanitized; a reader that went away (`| head`) is not an error.
fn write_sanitized(mut w: impl Write, s: &str) -> std::io::Result<()> {
    match w.write_all(crate::text::sanitize(s).as_bytes()).and_then(|_| w.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        r => r,
    }
}

/// Prints `s` (no newline added) to standard output, sanitized.
pub fn text(s: &str) -> std::io::Result<()> {
    write_sanitized(std::io::stdout().lock(), s)
}

/// Prints a line to standard output, sanitized. Errors (a closed output) are ignored, as
/// `println!`'s panics would not help.
pub fn line(s: &str) {
    let _ = text(&format!("{s}\n"));
}

/// Prints a line to standard error, sanitized.
pub fn err_line(s: &str) {
    let _ = write_sanitized(std::io::stderr().lock(), &format!("{s}\n"));
}

/// Prints data (JSON, already escaped) to standard output as is.
pub fn json(s: &str) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(s.as_bytes()).and_then(|_| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        r => r,
    }
}

/// `println!`, sanitized (see the module comment).
#[macro_export]
macro_rules! outln {
    () => {
        $crate::out::line("")
    };
    ($($arg:tt)*) => {
        $crate::out::line(&format!($($arg)*))
    };
}

/// `eprintln!`, sanitized (see the module comment).
#[macro_export]
macro_rules! errln {
    ($($arg:tt)*) => {
        $crate::out::err_line(&format!($($arg)*))
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_are_made_visible_and_plain_text_is_kept() {
        let mut buf = Vec::new();
        write_sanitized(&mut buf, "annotator \x1b]0;pwned\x07 \u{9b}31m  12.5%\n").unwrap();
        let s = String::from_utf8(buf).unwrap();
        assert_eq!(s, "annotator ␛]0;pwned␇ \u{FFFD}31m  12.5%\n");
    }

    /// Commands print only through this module: `println!` and friends, or a raw handle on
    /// standard output or error, would let a hostile name reach the terminal.
    #[test]
    fn commands_print_only_through_this_module() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut files: Vec<_> = std::fs::read_dir(root.join("commands"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "rs"))
            .collect();
        files.push(root.join("main.rs"));
        let forbidden = ["println!", "print!(", "eprint!(", "io::stdout()", "io::stderr()"];
        let mut found = Vec::new();
        for f in files {
            let text = std::fs::read_to_string(&f).unwrap();
            // Test modules may print what they like.
            let code = text.split("#[cfg(test)]").next().unwrap_or("");
            for (i, l) in code.lines().enumerate() {
                // Asking whether an output is a terminal prints nothing.
                if l.contains("is_terminal()") || l.trim_start().starts_with("//") {
                    continue;
                }
                if forbidden.iter().any(|p| l.contains(p)) {
                    found.push(format!("{}:{}: {}", f.display(), i + 1, l.trim()));
                }
            }
        }
        assert!(found.is_empty(), "print through crate::out instead:\n{}", found.join("\n"));
    }
}
