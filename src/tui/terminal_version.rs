//! Which terminal, and which version: XTVERSION (`CSI > q`), answered by kitty, xterm, foot,
//! WezTerm, tmux and others as `DCS > | NAME(VERSION) ST` or `DCS > | NAME VERSION ST`.
//!
//! Why: ratatui-image draws kitty images with Unicode placeholders, which kitty only reads from
//! 0.28 on. The protocol probe sees that kitty speaks its graphics protocol but not which
//! version it is, and an older kitty (0.26 is Debian 12's) shows a grid of boxes where the
//! image should be. Asked with the other questions of the terminal probe (`probe`).

/// The first kitty that reads the Unicode placeholders ratatui-image draws with.
pub const KITTY_PLACEHOLDERS_FROM: (u32, u32) = (0, 28);

/// For a kitty older than [`KITTY_PLACEHOLDERS_FROM`], its version (`kitty(0.26.5)` → `0.26.5`).
pub fn kitty_without_placeholders(version: &str) -> Option<&str> {
    let number = version.strip_prefix("kitty(")?.strip_suffix(')')?;
    let mut parts = number.split('.').map(|p| p.parse::<u32>().ok());
    let (major, minor) = (parts.next()??, parts.next()??);
    ((major, minor) < KITTY_PLACEHOLDERS_FROM).then_some(number)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_kitty_before_0_28_lacks_placeholders() {
        assert_eq!(kitty_without_placeholders("kitty(0.26.5)"), Some("0.26.5"));
        assert_eq!(kitty_without_placeholders("kitty(0.21.2)"), Some("0.21.2"));
        assert_eq!(kitty_without_placeholders("kitty(0.28.0)"), None);
        assert_eq!(kitty_without_placeholders("kitty(0.39.1)"), None);
        assert_eq!(kitty_without_placeholders("kitty(1.0)"), None);
        assert_eq!(kitty_without_placeholders("WezTerm 20240203"), None);
        assert_eq!(kitty_without_placeholders("kitty(garbage)"), None);
    }
}
