//! An image full screen (viuer), outside ratatui's frame, until a key is pressed.

use crossterm::event::{self, Event, KeyEventKind};
use ratatui::DefaultTerminal;
use ratatui_image::picker::ProtocolType;

/// Shows an image full screen (viuer) until a key is pressed.
pub fn show_image_full(
    terminal: &mut DefaultTerminal,
    path: Option<String>,
    drawn_with: Option<ProtocolType>,
) -> Result<Option<String>, std::io::Error> {
    let Some(path) = path else { return Ok(Some("this item has no image".into())) };
    let Some(drawn_with) = drawn_with else {
        return Ok(Some("images are off (--image-protocol none)".into()));
    };
    let img = match super::image::decode(std::path::Path::new(&path)) {
        Ok(i) => i,
        Err(e) => return Ok(Some(format!("{e}: {}", crate::text::sanitize_line(&path)))),
    };
    let size = terminal.size()?;
    blank_screen(terminal)?;
    let conf = viuer::Config {
        absolute_offset: true,
        x: 0,
        y: 0,
        width: Some(size.width as u32),
        height: Some(size.height.saturating_sub(1) as u32),
        // Only the protocol the probe found (or the user chose): viuer asks a terminal about
        // kitty graphics without a timeout, and would read keys as its answer.
        use_kitty: drawn_with == ProtocolType::Kitty,
        use_iterm: drawn_with == ProtocolType::Iterm2,
        ..Default::default()
    };
    let shown = viuer::print(&img, &conf);
    {
        use std::io::Write;
        let mut out = std::io::stdout();
        crossterm::execute!(out, crossterm::cursor::MoveTo(0, size.height.saturating_sub(1)))?;
        write!(out, "{}  — any key returns", crate::text::sanitize_line(&path))?;
        out.flush()?;
    }
    loop {
        if let Event::Key(k) = event::read()?
            && k.kind != KeyEventKind::Release
        {
            break;
        }
    }
    {
        // Remove kitty placements, which survive a screen clear.
        use std::io::Write;
        let mut out = std::io::stdout();
        write!(out, "\x1b_Ga=d\x1b\\")?;
        out.flush()?;
    }
    blank_screen(terminal)?;
    Ok(shown.err().map(|e| format!("cannot show the image: {e}")))
}

/// Clears the screen and what ratatui remembers of it, so the next frame is drawn whole.
/// Why not `Terminal::clear`: it asks the terminal where the cursor is, and a terminal that does
/// not answer made the TUI end with an error.
fn blank_screen(terminal: &mut DefaultTerminal) -> Result<(), std::io::Error> {
    terminal.draw(|f| f.render_widget(ratatui::widgets::Clear, f.area()))?;
    crossterm::execute!(std::io::stdout(), crossterm::terminal::Clear(crossterm::terminal::ClearType::All))
}
