//! Colours. Focus and selection never rely on colour alone: the draw functions always add
//! markers (`▶`, brackets), so the monochrome theme (`NO_COLOR`) stays usable even on
//! terminals that drop bold and reverse.
//!
//! A TOML theme overrides any of the colours below by name (`"red"`, `"lightblue"`, `"#aabbcc"`,
//! `"reset"`):
//!
//! ```toml
//! accent = "cyan"
//! focus = "yellow"
//! yes = "green"
//! no = "red"
//! ```

use ratatui::style::{Color, Modifier, Style};

#[derive(Debug, Clone, PartialEq)]
pub struct Theme {
    pub monochrome: bool,
    pub accent: Color,
    pub focus: Color,
    pub selection: Color,
    pub yes: Color,
    pub no: Color,
    pub judge: Color,
    pub muted: Color,
    pub warning: Color,
    pub border: Color,
}

impl Default for Theme {
    fn default() -> Theme {
        Theme {
            monochrome: false,
            accent: Color::Cyan,
            focus: Color::Yellow,
            selection: Color::LightBlue,
            yes: Color::Green,
            no: Color::Red,
            judge: Color::Magenta,
            muted: Color::DarkGray,
            warning: Color::LightRed,
            border: Color::Gray,
        }
    }
}

/// Why a theme file was refused; `origin` names the file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ThemeError {
    /// Not TOML: the parser's message.
    #[error("{origin}: {message}")]
    Toml { origin: String, message: String },
    #[error("{origin}: {key}: give a colour name as a string")]
    NotAString { origin: String, key: String },
    #[error("{origin}: {key}: unknown colour {colour:?}")]
    UnknownColour { origin: String, key: String, colour: String },
    #[error(
        "{origin}: unknown theme key {key:?} (keys: accent, focus, selection, yes, no, judge, muted, warning, border)"
    )]
    UnknownKey { origin: String, key: String },
}

impl Theme {
    pub fn monochrome() -> Theme {
        Theme {
            monochrome: true,
            accent: Color::Reset,
            focus: Color::Reset,
            selection: Color::Reset,
            yes: Color::Reset,
            no: Color::Reset,
            judge: Color::Reset,
            muted: Color::Reset,
            warning: Color::Reset,
            border: Color::Reset,
        }
    }

    /// The theme for this run: monochrome when `NO_COLOR` is set (and not empty), otherwise
    /// the default with the TOML's overrides.
    pub fn load(toml_text: Option<(&str, &str)>, no_color: bool) -> Result<Theme, ThemeError> {
        if no_color {
            return Ok(Theme::monochrome());
        }
        let mut t = Theme::default();
        let Some((text, origin)) = toml_text else { return Ok(t) };
        let origin = origin.to_string();
        let table: toml::Table = toml::from_str(text).map_err(|e| ThemeError::Toml {
            origin: origin.clone(),
            message: e.message().replace('\n', " "),
        })?;
        for (k, v) in &table {
            let (origin, key) = (origin.clone(), k.clone());
            let Some(s) = v.as_str() else { return Err(ThemeError::NotAString { origin, key }) };
            let Ok(c) = s.parse::<Color>() else {
                return Err(ThemeError::UnknownColour { origin, key, colour: s.to_string() });
            };
            let slot = match k.as_str() {
                "accent" => &mut t.accent,
                "focus" => &mut t.focus,
                "selection" => &mut t.selection,
                "yes" => &mut t.yes,
                "no" => &mut t.no,
                "judge" => &mut t.judge,
                "muted" => &mut t.muted,
                "warning" => &mut t.warning,
                "border" => &mut t.border,
                _ => return Err(ThemeError::UnknownKey { origin, key }),
            };
            *slot = c;
        }
        Ok(t)
    }

    pub fn fg(&self, c: Color) -> Style {
        if self.monochrome { Style::default() } else { Style::default().fg(c) }
    }

    pub fn focused(&self) -> Style {
        if self.monochrome {
            Style::default()
        } else {
            Style::default().fg(self.focus).add_modifier(Modifier::BOLD)
        }
    }

    pub fn selected(&self) -> Style {
        if self.monochrome { Style::default() } else { Style::default().fg(Color::Black).bg(self.selection) }
    }

    pub fn title(&self) -> Style {
        if self.monochrome {
            Style::default()
        } else {
            Style::default().fg(self.accent).add_modifier(Modifier::BOLD)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_color_wins_and_toml_overrides() {
        assert!(Theme::load(Some(("accent = \"red\"", "t.toml")), true).unwrap().monochrome);
        let t = Theme::load(Some(("accent = \"red\"\nfocus = \"#102030\"", "t.toml")), false).unwrap();
        assert_eq!(t.accent, Color::Red);
        assert_eq!(t.focus, Color::Rgb(0x10, 0x20, 0x30));
        assert!(Theme::load(Some(("bogus = \"red\"", "t.toml")), false).is_err());
        assert!(Theme::load(Some(("accent = \"notacolour\"", "t.toml")), false).is_err());
    }
}
