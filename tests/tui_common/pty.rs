//! The real binary in a pseudo-terminal (portable-pty), its screen read with vt100, shared by
//! every end-to-end test of the TUI. Images are off (`--image-protocol none`) unless a test asks
//! for a protocol, so no terminal query is involved.
#![allow(dead_code)]

use portable_pty::{CommandBuilder, PtySize, native_pty_system};
use std::io::{Read, Write};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub struct Tui {
    pub child: Box<dyn portable_pty::Child + Send + Sync>,
    writer: Box<dyn Write + Send>,
    parser: Arc<Mutex<vt100::Parser>>,
    pub raw: Arc<Mutex<Vec<u8>>>,
    _master: Box<dyn portable_pty::MasterPty + Send>,
}

impl Tui {
    /// `crossreview ARGS…` in a `rows` x `cols` terminal.
    pub fn spawn(args: &[&str], rows: u16, cols: u16) -> Tui {
        Tui::spawn_env(args, &[], rows, cols)
    }

    /// [`Tui::spawn`] with extra environment variables.
    pub fn spawn_env(args: &[&str], env: &[(&str, &str)], rows: u16, cols: u16) -> Tui {
        let pty = native_pty_system();
        let pair = pty.openpty(PtySize { rows, cols, pixel_width: 0, pixel_height: 0 }).unwrap();
        let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_crossreview"));
        cmd.args(args);
        cmd.env("TERM", "xterm-256color");
        for (k, v) in env {
            cmd.env(k, v);
        }
        let child = pair.slave.spawn_command(cmd).unwrap();
        drop(pair.slave);
        let mut reader = pair.master.try_clone_reader().unwrap();
        let writer = pair.master.take_writer().unwrap();
        let parser = Arc::new(Mutex::new(vt100::Parser::new(rows, cols, 0)));
        let raw = Arc::new(Mutex::new(Vec::new()));
        let (p, r) = (Arc::clone(&parser), Arc::clone(&raw));
        std::thread::spawn(move || {
            let mut buf = [0u8; 8192];
            loop {
                match reader.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => {
                        p.lock().unwrap().process(&buf[..n]);
                        r.lock().unwrap().extend_from_slice(&buf[..n]);
                    }
                }
            }
        });
        Tui { child, writer, parser, raw, _master: pair.master }
    }

    /// `crossreview annotate SESSION --annotator NAME --image-protocol none EXTRA…`.
    pub fn annotate(session: &Path, annotator: &str, extra: &[&str], rows: u16, cols: u16) -> Tui {
        Tui::annotate_with(session, annotator, "none", extra, rows, cols)
    }

    /// `crossreview annotate SESSION --annotator NAME --image-protocol PROTOCOL EXTRA…`.
    pub fn annotate_with(
        session: &Path,
        annotator: &str,
        protocol: &str,
        extra: &[&str],
        rows: u16,
        cols: u16,
    ) -> Tui {
        let mut args = vec![
            "annotate",
            session.to_str().unwrap(),
            "--annotator",
            annotator,
            "--image-protocol",
            protocol,
        ];
        args.extend_from_slice(extra);
        Tui::spawn(&args, rows, cols)
    }

    pub fn screen(&self) -> String {
        self.parser.lock().unwrap().screen().contents()
    }

    pub fn alternate_screen(&self) -> bool {
        self.parser.lock().unwrap().screen().alternate_screen()
    }

    pub fn wait_for(&self, what: &str) {
        let start = Instant::now();
        while !self.screen().contains(what) {
            if start.elapsed() > Duration::from_secs(20) {
                panic!("timed out waiting for {what:?}; screen:\n{}", self.screen());
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// Types `keys`, one key per read, `gap` apart.
    pub fn type_keys(&mut self, keys: &str, gap: Duration) {
        for b in keys.as_bytes() {
            self.writer.write_all(&[*b]).unwrap();
            self.writer.flush().unwrap();
            std::thread::sleep(gap);
        }
    }

    /// Writes `bytes` in one go (an escape sequence must arrive whole to be read as one event).
    pub fn send(&mut self, bytes: &[u8]) {
        self.writer.write_all(bytes).unwrap();
        self.writer.flush().unwrap();
    }

    /// A left click at 0-based `column`, `row`, as an xterm SGR mouse report (press, release).
    pub fn click(&mut self, column: u16, row: u16) {
        let (x, y) = (column + 1, row + 1);
        self.send(format!("\x1b[<0;{x};{y}M\x1b[<0;{x};{y}m").as_bytes());
    }

    /// Whether the cursor is shown (the TUI hides it while it runs).
    pub fn cursor_shown(&self) -> bool {
        !self.parser.lock().unwrap().screen().hide_cursor()
    }

    /// Whether the program has asked the terminal for mouse reports.
    pub fn mouse_reporting(&self) -> bool {
        self.parser.lock().unwrap().screen().mouse_protocol_mode() != vt100::MouseProtocolMode::None
    }

    /// Types `keys` as a person does: one key per read, 30 ms apart.
    pub fn keys(&mut self, keys: &str) {
        self.type_keys(keys, Duration::from_millis(30));
    }

    /// `q`, then waits for a successful exit.
    pub fn quit(&mut self) {
        self.keys("q");
        let status = self.wait_exit();
        assert!(status.success(), "exit status {status:?}");
    }

    pub fn wait_exit(&mut self) -> portable_pty::ExitStatus {
        let start = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                // Let the reader thread take the last bytes.
                std::thread::sleep(Duration::from_millis(200));
                return status;
            }
            if start.elapsed() > Duration::from_secs(20) {
                let _ = self.child.kill();
                panic!("the TUI did not exit; screen:\n{}", self.screen());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// SIGKILL, as a crash or a power cut would end it.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A test that fails half-way must not leave its TUI running (it would keep a core busy for
/// the rest of the run).
impl Drop for Tui {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}
