//! The terminal around the TUI: the image probe (before anything else reads the keyboard), the
//! modes the TUI switches on (mouse reports, explicit bidi) and their undoing on every way out:
//! quit, SIGTERM/SIGHUP, a panic, a terminal that went away.

use super::probe;
use crate::imaging::ImageProtocol;
use crossterm::event::Event;
use ratatui_image::picker::{Picker, ProtocolType};
use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// How long the probe waits for a terminal that does not answer (tmux passing the questions to
/// an outer terminal that is not there, a serial console).
pub const PROBE_TIMEOUT: Duration = Duration::from_secs(2);

/// ECMA-48 BiDirectional Support Mode (mode 8). Reset is explicit mode: the terminal shows
/// characters in the order written, which is what we need, since the TUI lays out right-to-left
/// text itself (VTE, Konsole and mlterm would reorder it a second time). Set is implicit mode,
/// every terminal's default, given back on the way out.
pub const BIDI_EXPLICIT: &[u8] = b"\x1b[8l";
pub const BIDI_IMPLICIT: &[u8] = b"\x1b[8h";

/// The image picker for `--image-protocol`, a note for the status line when the probe's choice
/// had to be overruled, and the keys typed while the terminal was asked.
pub struct Probed {
    pub picker: Option<Picker>,
    pub note: Option<String>,
    pub typed: Vec<Event>,
    /// Answers may still come (the probe gave up waiting).
    pub unanswered: bool,
}

pub fn probe_images(protocol: ImageProtocol) -> Probed {
    let forced = match protocol {
        ImageProtocol::None => {
            return Probed { picker: None, note: None, typed: Vec::new(), unanswered: false };
        }
        ImageProtocol::Halfblocks => {
            let picker = Some(Picker::halfblocks());
            return Probed { picker, note: None, typed: Vec::new(), unanswered: false };
        }
        ImageProtocol::Auto => None,
        ImageProtocol::Kitty => Some(ProtocolType::Kitty),
        ImageProtocol::Sixel => Some(ProtocolType::Sixel),
        ImageProtocol::Iterm2 => Some(ProtocolType::Iterm2),
    };
    // Sees tmux (and lets images pass through it) before the questions are wrapped for it.
    let fallback = Picker::halfblocks();
    let tmux = fallback.tmux_detected();
    // WezTerm and Konsole answer the kitty and sixel questions but draw neither well
    // (ratatui-image's own rule).
    let shaky = ["WEZTERM_EXECUTABLE", "KONSOLE_VERSION"]
        .iter()
        .any(|v| std::env::var_os(v).is_some_and(|s| !s.is_empty()));
    let (answers, typed) = probe::ask(&probe::questions(tmux, !shaky, !shaky), PROBE_TIMEOUT);
    let typed = super::typed_keys::events(&typed);
    let unanswered = !answers.complete;
    // Every pixel protocol needs the cell size; without it, half-blocks unless one is forced.
    let mut picker = match answers.cell.or_else(cell_size_from_window) {
        None => fallback,
        Some((w, h)) => {
            // The environment's hints (iTerm2, WezTerm) unless the terminal said what it draws.
            #[allow(deprecated)]
            let mut picker = Picker::from_fontsize(ratatui_image::FontSize::new(w, h));
            if answers.kitty {
                picker.set_protocol_type(ProtocolType::Kitty);
            } else if answers.sixel {
                picker.set_protocol_type(ProtocolType::Sixel);
            }
            picker
        }
    };
    if let Some(p) = forced {
        picker.set_protocol_type(p);
        return Probed { picker: Some(picker), note: None, typed, unanswered };
    }
    let mut note = None;
    if picker.protocol_type() == ProtocolType::Kitty
        && let Some(version) =
            answers.version.as_deref().and_then(super::terminal_version::kitty_without_placeholders)
    {
        picker.set_protocol_type(ProtocolType::Halfblocks);
        note = Some(format!(
            "kitty {version} cannot show images the way this tool draws them (0.28 or later can): half-blocks instead"
        ));
    }
    Probed { picker: Some(picker), note, typed, unanswered }
}

/// The cell size from the window's size in pixels, for terminals that fill it in.
#[cfg(unix)]
fn cell_size_from_window() -> Option<(u16, u16)> {
    let mut ws = libc::winsize { ws_row: 0, ws_col: 0, ws_xpixel: 0, ws_ypixel: 0 };
    // SAFETY: TIOCGWINSZ fills the winsize it is given.
    if unsafe { libc::ioctl(libc::STDOUT_FILENO, libc::TIOCGWINSZ, &mut ws) } != 0 {
        return None;
    }
    if ws.ws_col == 0 || ws.ws_row == 0 || ws.ws_xpixel == 0 || ws.ws_ypixel == 0 {
        return None;
    }
    Some((ws.ws_xpixel / ws.ws_col, ws.ws_ypixel / ws.ws_row))
}

#[cfg(not(unix))]
fn cell_size_from_window() -> Option<(u16, u16)> {
    None
}

/// Whether the modes below are on, so that they are given back once.
static MODES_ON: AtomicBool = AtomicBool::new(false);
static MOUSE_ON: AtomicBool = AtomicBool::new(false);

/// Switches bidi to explicit mode, grapheme clustering off (see `width_mode`) and, with `mouse`, asks for mouse reports; a panic gives both
/// back before ratatui's hook restores the rest (a shell left with mouse reporting on prints
/// garbage on every move; one left in explicit bidi shows Arabic backwards). After the probe,
/// so no mouse report gets in between its answers.
pub fn enter_modes(mouse: bool) -> std::io::Result<()> {
    let mut out = std::io::stdout();
    MODES_ON.store(true, Ordering::SeqCst);
    out.write_all(BIDI_EXPLICIT)?;
    out.write_all(super::width_mode::ENTER)?;
    if mouse {
        MOUSE_ON.store(true, Ordering::SeqCst);
        crossterm::execute!(out, crossterm::event::EnableMouseCapture)?;
    }
    out.flush()?;
    let restore_rest = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        leave_modes();
        restore_rest(info);
    }));
    Ok(())
}

/// Gives back what [`enter_modes`] switched on (once; later calls do nothing).
pub fn leave_modes() {
    if !MODES_ON.swap(false, Ordering::SeqCst) {
        return;
    }
    let mut out = std::io::stdout();
    if MOUSE_ON.swap(false, Ordering::SeqCst) {
        let _ = crossterm::execute!(out, crossterm::event::DisableMouseCapture);
    }
    let _ = out.write_all(BIDI_IMPLICIT);
    let _ = out.write_all(super::width_mode::LEAVE);
    let _ = out.flush();
}

/// How long the event loop has to notice SIGTERM or SIGHUP before the watch ends the process.
const STOP_GRACE: Duration = Duration::from_secs(1);

/// Why: when the terminal goes away (a closed SSH connection, a killed terminal window), the
/// kernel sends SIGHUP, but crossterm's `event::poll` then spins on the dead terminal and never
/// returns, so the event loop never sees the flag: the process stayed behind, using a core and
/// ignoring SIGTERM. Every label is already durable when it is shown, so after a short grace
/// the watch ends the process.
pub fn spawn_stop_watch(stop: Arc<AtomicBool>, finished: Arc<AtomicBool>) {
    let _ = std::thread::Builder::new().name("stop-watch".into()).spawn(move || {
        while !stop.load(Ordering::SeqCst) {
            std::thread::sleep(Duration::from_millis(100));
        }
        let asked = Instant::now();
        while asked.elapsed() < STOP_GRACE {
            if finished.load(Ordering::SeqCst) {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        // Give the terminal back in case it is still there (a signal during the probe, which
        // the loop has not reached yet), on a thread of its own: a write to a terminal that
        // stopped reading would block, and the process must end.
        let (done, wait) = std::sync::mpsc::channel();
        let _ = std::thread::Builder::new().name("give-back".into()).spawn(move || {
            leave_modes();
            ratatui::restore();
            let _ = done.send(());
        });
        let _ = wait.recv_timeout(Duration::from_millis(200));
        std::process::exit(0);
    });
}
