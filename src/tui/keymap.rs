//! Keys → actions. The defaults are in `Command::TABLE` (and the table of docs/annotating.md,
//! "Keys"); a TOML file overrides any command:
//!
//! ```toml
//! # each command takes one key or a list of keys
//! next_task = ["j", "Down", "Right"]
//! undo = "Ctrl-z"
//! ```
//!
//! Keys are written as a character (`j`, `?`, `1`), a named key (`Down`, `Up`, `Left`, `Right`,
//! `Tab`, `BackTab`, `Enter`, `Esc`, `Space`, `Backspace`, `PageUp`, `PageDown`, `Home`, `End`,
//! `F1`…`F12`) or with modifiers (`Ctrl-r`, `Alt-x`, `Shift-Tab`).
//!
//! Dialogs (skip, note, search, tags, reason) have keys of their own (`confirm`, `cancel`,
//! `select_prev`, `select_next`, `delete_char`; other keys type), and `interrupt` (`Ctrl-c`)
//! quits from anywhere, dialogs included. They are rebound in the same TOML file too.
//!
//! Pairs mode's commands (`left_better`, `right_better`, `tie`, `both_bad`, `unsure`, `tags`)
//! live in a layer of their own that wins over the main keys in pairs mode only, so `1` means
//! "left is better" there and "yes" elsewhere, and `b` means "both bad" there and "page up"
//! elsewhere. They are rebound in the same TOML file.

use super::action::{Action, Command, Layer};
use super::state::{Overlay, State};
use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use std::collections::HashMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Key {
    pub code: KeyCode,
    pub ctrl: bool,
    pub alt: bool,
}

impl Key {
    /// Normalises a terminal key event: Shift is folded into the character (`K` is `K`), and
    /// Shift-Tab is `BackTab` whatever the terminal sent.
    pub fn from_event(ev: &KeyEvent) -> Key {
        let code = match ev.code {
            KeyCode::Tab if ev.modifiers.contains(KeyModifiers::SHIFT) => KeyCode::BackTab,
            c => c,
        };
        Key {
            code,
            ctrl: ev.modifiers.contains(KeyModifiers::CONTROL),
            alt: ev.modifiers.contains(KeyModifiers::ALT),
        }
    }

    pub fn parse(s: &str) -> Result<Key, UnknownKey> {
        let mut ctrl = false;
        let mut alt = false;
        let mut rest = s;
        let mut shift = false;
        loop {
            if let Some(r) = rest.strip_prefix("Ctrl-").or_else(|| rest.strip_prefix("C-")) {
                ctrl = true;
                rest = r;
            } else if let Some(r) = rest.strip_prefix("Alt-").or_else(|| rest.strip_prefix("M-")) {
                alt = true;
                rest = r;
            } else if let Some(r) = rest.strip_prefix("Shift-").or_else(|| rest.strip_prefix("S-")) {
                shift = true;
                rest = r;
            } else {
                break;
            }
        }
        let code = match rest {
            "Down" => KeyCode::Down,
            "Up" => KeyCode::Up,
            "Left" => KeyCode::Left,
            "Right" => KeyCode::Right,
            "Tab" if shift => KeyCode::BackTab,
            "Tab" => KeyCode::Tab,
            "BackTab" => KeyCode::BackTab,
            "Enter" => KeyCode::Enter,
            "Esc" => KeyCode::Esc,
            "Space" => KeyCode::Char(' '),
            "Backspace" => KeyCode::Backspace,
            "PageUp" => KeyCode::PageUp,
            "PageDown" => KeyCode::PageDown,
            "Home" => KeyCode::Home,
            "End" => KeyCode::End,
            f if f.len() > 1 && f.starts_with('F') && f[1..].parse::<u8>().is_ok() => {
                KeyCode::F(f[1..].parse().expect("checked"))
            }
            c if c.chars().count() == 1 => {
                let ch = c.chars().next().expect("one char");
                KeyCode::Char(if shift { ch.to_ascii_uppercase() } else { ch })
            }
            _ => return Err(UnknownKey(s.to_string())),
        };
        Ok(Key { code, ctrl, alt })
    }

    pub fn display(&self) -> String {
        let base = match self.code {
            KeyCode::Char(' ') => "Space".to_string(),
            KeyCode::Char(c) => c.to_string(),
            KeyCode::Down => "↓".into(),
            KeyCode::Up => "↑".into(),
            KeyCode::Left => "←".into(),
            KeyCode::Right => "→".into(),
            KeyCode::BackTab => "Shift-Tab".into(),
            KeyCode::F(n) => format!("F{n}"),
            other => format!("{other:?}"),
        };
        let mut s = String::new();
        if self.ctrl {
            s.push_str("Ctrl-");
        }
        if self.alt {
            s.push_str("Alt-");
        }
        s + &base
    }
}

/// A key name [`Key::parse`] does not know.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown key {0:?}")]
pub struct UnknownKey(pub String);

/// Why a keymap file was refused; `origin` names the file, `command` the entry at fault.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeymapError {
    /// Not TOML: the parser's message.
    #[error("{origin}: {message}")]
    Toml { origin: String, message: String },
    #[error("{origin}: unknown command {name:?} (commands: {})", command_names())]
    UnknownCommand { origin: String, name: String },
    #[error("{origin}: {command}: keys must be strings, like \"j\" or \"Ctrl-r\"")]
    KeyNotAString { origin: String, command: String },
    #[error("{origin}: {command}: give a key or a list of keys")]
    NotKeys { origin: String, command: String },
    #[error("{origin}: {command}: {key}")]
    UnknownKey { origin: String, command: String, key: UnknownKey },
}

fn command_names() -> String {
    Command::TABLE.iter().map(|c| c.name).collect::<Vec<_>>().join(", ")
}

#[derive(Debug, Clone, PartialEq)]
pub struct Keymap {
    bindings: HashMap<Key, Command>,
    /// Pairs mode's layer.
    pairs: HashMap<Key, Command>,
    /// Keys of dialogs (other keys type).
    dialog: HashMap<Key, Command>,
    /// Keys that mean the same everywhere, checked first.
    anywhere: HashMap<Key, Command>,
}

impl Default for Keymap {
    fn default() -> Keymap {
        let mut map = Keymap {
            bindings: HashMap::new(),
            pairs: HashMap::new(),
            dialog: HashMap::new(),
            anywhere: HashMap::new(),
        };
        for c in Command::TABLE {
            for k in c.keys {
                map.layer_mut(c.command).insert(Key::parse(k).expect("default keys parse"), c.command);
            }
        }
        map
    }
}

impl Keymap {
    fn layer_mut(&mut self, cmd: Command) -> &mut HashMap<Key, Command> {
        match cmd.layer() {
            Layer::Pairs => &mut self.pairs,
            Layer::Main => &mut self.bindings,
            Layer::Dialog => &mut self.dialog,
            Layer::Anywhere => &mut self.anywhere,
        }
    }

    fn layer(&self, cmd: Command) -> &HashMap<Key, Command> {
        match cmd.layer() {
            Layer::Pairs => &self.pairs,
            Layer::Main => &self.bindings,
            Layer::Dialog => &self.dialog,
            Layer::Anywhere => &self.anywhere,
        }
    }

    /// The command of a key in a layer whose keys work with any Alt or Ctrl added (as `Esc`
    /// and `Enter` always did in dialogs): the key as pressed, else without Alt, else bare.
    fn loose(layer: &HashMap<Key, Command>, key: &Key) -> Option<Command> {
        [*key, Key { alt: false, ..*key }, Key { alt: false, ctrl: false, ..*key }]
            .iter()
            .find_map(|k| layer.get(k).copied())
    }

    /// The defaults with the commands named in the TOML rebound (a rebound command loses its
    /// default keys). `origin` names the file in error messages.
    pub fn from_toml(text: &str, origin: &str) -> Result<Keymap, KeymapError> {
        let origin = origin.to_string();
        let table: toml::Table = toml::from_str(text).map_err(|e| KeymapError::Toml {
            origin: origin.clone(),
            message: e.message().replace('\n', " "),
        })?;
        let mut map = Keymap::default();
        for (name, value) in &table {
            // Where an error is: the file and the command's entry.
            let at = || (origin.clone(), name.clone());
            let cmd = Command::from_name(name).ok_or_else(|| {
                let (origin, name) = at();
                KeymapError::UnknownCommand { origin, name }
            })?;
            let keys: Vec<String> = match value {
                toml::Value::String(s) => vec![s.clone()],
                toml::Value::Array(a) => a
                    .iter()
                    .map(|v| {
                        v.as_str().map(str::to_string).ok_or_else(|| {
                            let (origin, command) = at();
                            KeymapError::KeyNotAString { origin, command }
                        })
                    })
                    .collect::<Result<_, _>>()?,
                _ => {
                    let (origin, command) = at();
                    return Err(KeymapError::NotKeys { origin, command });
                }
            };
            map.layer_mut(cmd).retain(|_, c| *c != cmd);
            for k in keys {
                let key = Key::parse(&k).map_err(|key| {
                    let (origin, command) = at();
                    KeymapError::UnknownKey { origin, command, key }
                })?;
                map.layer_mut(cmd).insert(key, cmd);
            }
        }
        Ok(map)
    }

    pub fn command(&self, key: &Key) -> Option<Command> {
        self.bindings.get(key).copied()
    }

    /// What a key means in pairs mode: its pairs-layer command, else the main one.
    pub fn pairs_command(&self, key: &Key) -> Option<Command> {
        self.pairs.get(key).or_else(|| self.bindings.get(key)).copied()
    }

    /// Keys bound to each command, for the help screen and the status line.
    pub fn keys_of(&self, cmd: Command) -> Vec<String> {
        // In the order of the defaults table, then by name, so help reads the same every run.
        let mut keys: Vec<(usize, String)> = self
            .layer(cmd)
            .iter()
            .filter(|(_, c)| **c == cmd)
            .map(|(k, _)| {
                let rank = Command::TABLE
                    .iter()
                    .filter(|c| matches!(c.layer, Layer::Main | Layer::Pairs))
                    .flat_map(|c| c.keys.iter())
                    .position(|d| Key::parse(d).is_ok_and(|d| d == *k))
                    .unwrap_or(usize::MAX);
                (rank, k.display())
            })
            .collect();
        keys.sort();
        keys.into_iter().map(|(_, s)| s).collect()
    }

    /// `(keys, description)` for every command, in the help screen's order.
    pub fn help_lines(&self) -> Vec<(String, String)> {
        self.help_lines_for(crate::annotate::Mode::Responses)
    }

    /// The help screen of a mode: pairs mode lists its own keys first and leaves out the
    /// dimension keys it does not use.
    pub fn help_lines_for(&self, mode: crate::annotate::Mode) -> Vec<(String, String)> {
        let main = || Command::of_layer(Layer::Main);
        let cmds: Vec<Command> = match mode {
            crate::annotate::Mode::Pairs => Command::of_layer(Layer::Pairs)
                .chain(main().filter(|c| {
                    !matches!(
                        c,
                        Command::Yes
                            | Command::No
                            | Command::FocusNext
                            | Command::FocusPrev
                            | Command::Reveal
                    )
                }))
                .collect(),
            // Adjudication walks responses and pairs: both sets of keys.
            crate::annotate::Mode::Adjudicate => main()
                .filter(|c| *c != Command::Stats)
                .chain(Command::of_layer(Layer::Pairs))
                .chain([Command::Stats])
                .collect(),
            _ => main().collect(),
        };
        cmds.iter()
            .map(|c| {
                let keys = self.keys_of(*c);
                let keys = if keys.is_empty() { "(unbound)".to_string() } else { keys.join(" ") };
                (keys, c.describe().to_string())
            })
            .collect()
    }

    /// What a key press means in the current state (dialogs take text; overlays close on any
    /// key). `None`: the key does nothing here.
    pub fn action_for(&self, state: &State, ev: &KeyEvent) -> Option<Action> {
        if ev.kind == KeyEventKind::Release {
            return None;
        }
        let key = Key::from_event(ev);
        if let Some(cmd) = Keymap::loose(&self.anywhere, &key) {
            return Some(cmd.action());
        }
        match &state.overlay {
            Overlay::Skip { .. }
            | Overlay::Note { .. }
            | Overlay::Search
            | Overlay::Tags { .. }
            | Overlay::Reason { .. } => {
                if let Some(cmd) = Keymap::loose(&self.dialog, &key) {
                    return Some(cmd.action());
                }
                return match key.code {
                    KeyCode::Char(c) if !key.ctrl && !key.alt => Some(Action::Char(c)),
                    _ => None,
                };
            }
            Overlay::Stats => {
                let cmd = if state.pairs_screen() { self.pairs_command(&key) } else { self.command(&key) };
                return Some(match cmd {
                    Some(
                        c @ (Command::ScrollDown
                        | Command::ScrollUp
                        | Command::FocusNext
                        | Command::FocusPrev),
                    ) => Action::Command(c),
                    _ => Action::Escape,
                });
            }
            Overlay::Help | Overlay::Guidelines => {
                return Some(match self.command(&key) {
                    Some(Command::Quit) => Action::Escape,
                    Some(c @ (Command::ScrollDown | Command::ScrollUp)) => Action::Command(c),
                    _ => Action::Escape,
                });
            }
            Overlay::None => {}
        }
        let pairs_mode = state.pairs_screen();
        let cmd = if pairs_mode { self.pairs_command(&key) } else { self.command(&key) };
        if let Some(cmd) = cmd {
            return Some(Action::Command(cmd));
        }
        if pairs_mode {
            return None;
        }
        // A value key of the focused dimension (ordinal scales bring their own keys).
        if let KeyCode::Char(c) = key.code
            && !key.ctrl
            && !key.alt
            && let Some(dim) = state.session.schema.dimensions.get(state.open.focus)
            && let Some(v) = dim.value_for_key(c)
        {
            return Some(Action::SetValue(v));
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_the_documented_keys() {
        let k = Keymap::default();
        let p = |s: &str| Key::parse(s).unwrap();
        assert_eq!(k.command(&p("1")), Some(Command::Yes));
        assert_eq!(k.command(&p("0")), Some(Command::No));
        assert_eq!(k.command(&p("Tab")), Some(Command::FocusNext));
        assert_eq!(k.command(&p("Shift-Tab")), Some(Command::FocusPrev));
        assert_eq!(k.command(&p("j")), Some(Command::NextTask));
        assert_eq!(k.command(&p("Down")), Some(Command::NextTask));
        assert_eq!(k.command(&p("k")), Some(Command::PrevTask));
        assert_eq!(k.command(&p("n")), Some(Command::NextTodo));
        assert_eq!(k.command(&p("u")), Some(Command::Undo));
        assert_eq!(k.command(&p("Ctrl-r")), Some(Command::Redo));
        for (s, c) in [
            ("s", Command::Skip),
            ("f", Command::Flag),
            ("m", Command::Note),
            ("r", Command::Reveal),
            ("/", Command::Search),
            ("z", Command::Image),
            ("g", Command::Guidelines),
            ("?", Command::Help),
            ("q", Command::Quit),
        ] {
            assert_eq!(k.command(&p(s)), Some(c), "{s}");
        }
    }

    #[test]
    fn toml_overrides_and_errors() {
        let k = Keymap::from_toml("next_task = [\"l\", \"Right\"]\nundo = \"Ctrl-z\"", "k.toml").unwrap();
        assert_eq!(k.command(&Key::parse("l").unwrap()), Some(Command::NextTask));
        assert_eq!(k.command(&Key::parse("j").unwrap()), None);
        assert_eq!(k.command(&Key::parse("Ctrl-z").unwrap()), Some(Command::Undo));
        assert_eq!(k.command(&Key::parse("u").unwrap()), None);
        assert!(
            Keymap::from_toml("jump = \"x\"", "k.toml").unwrap_err().to_string().contains("unknown command")
        );
        assert!(
            Keymap::from_toml("undo = \"Hyper-x\"", "k.toml")
                .unwrap_err()
                .to_string()
                .contains("unknown key")
        );
        assert!(Keymap::from_toml("undo = 3", "k.toml").is_err());
    }

    #[test]
    fn pairs_layer_wins_in_pairs_mode_only() {
        let k = Keymap::default();
        let p = |s: &str| Key::parse(s).unwrap();
        assert_eq!(k.pairs_command(&p("1")), Some(Command::LeftBetter));
        assert_eq!(k.pairs_command(&p("2")), Some(Command::RightBetter));
        assert_eq!(k.pairs_command(&p("t")), Some(Command::Tie));
        assert_eq!(k.pairs_command(&p("b")), Some(Command::BothBad));
        assert_eq!(k.pairs_command(&p("x")), Some(Command::Unsure));
        assert_eq!(k.pairs_command(&p("j")), Some(Command::NextTask));
        assert_eq!(k.command(&p("1")), Some(Command::Yes));
        assert_eq!(k.command(&p("b")), Some(Command::PageUp));
        let k = Keymap::from_toml("left_better = \"h\"\nright_better = \"l\"", "k.toml").unwrap();
        assert_eq!(k.pairs_command(&p("h")), Some(Command::LeftBetter));
        assert_eq!(
            k.pairs_command(&p("1")),
            Some(Command::Yes),
            "the rebound key falls back to the main layer"
        );
        assert_eq!(k.keys_of(Command::RightBetter), vec!["l".to_string()]);
    }

    #[test]
    fn the_unknown_command_error_names_every_command() {
        let e = Keymap::from_toml("jump = \"x\"", "k.toml").unwrap_err().to_string();
        for c in Command::TABLE {
            assert!(
                e.contains(&format!(" {},", c.name)) || e.ends_with(&format!(" {})", c.name)),
                "{} in {e}",
                c.name
            );
            assert_eq!(Command::from_name(c.name), Some(c.command));
        }
    }

    #[test]
    fn every_command_has_one_name_and_parsable_default_keys() {
        let mut names: Vec<&str> = Command::TABLE.iter().map(|c| c.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), Command::TABLE.len());
        for c in Command::TABLE {
            for k in c.keys {
                assert!(Key::parse(k).is_ok(), "{}: {k}", c.name);
            }
        }
    }

    #[test]
    fn dialog_keys_and_interrupt_are_rebound_in_the_toml() {
        use crate::tui::state::Overlay;
        let mut s = super::super::tests::state();
        let ev = |code, m| KeyEvent::new(code, m);
        let none = KeyModifiers::NONE;
        let k = Keymap::default();
        assert_eq!(
            k.action_for(&s, &ev(KeyCode::Char('c'), KeyModifiers::CONTROL)),
            Some(Action::Command(Command::Quit))
        );
        s.overlay = Overlay::Note { text: String::new() };
        for (code, m, want) in [
            (KeyCode::Enter, none, Some(Action::Enter)),
            (KeyCode::Enter, KeyModifiers::CONTROL, Some(Action::Enter)),
            (KeyCode::Esc, KeyModifiers::ALT, Some(Action::Escape)),
            (KeyCode::Backspace, none, Some(Action::Backspace)),
            (KeyCode::Up, none, Some(Action::SelectPrev)),
            (KeyCode::Tab, KeyModifiers::SHIFT, Some(Action::SelectPrev)),
            (KeyCode::Down, none, Some(Action::SelectNext)),
            (KeyCode::Tab, none, Some(Action::SelectNext)),
            (KeyCode::Char('q'), none, Some(Action::Char('q'))),
            (KeyCode::Char('c'), KeyModifiers::CONTROL, Some(Action::Command(Command::Quit))),
            (KeyCode::Char('x'), KeyModifiers::CONTROL, None),
        ] {
            assert_eq!(k.action_for(&s, &ev(code, m)), want, "{code:?} {m:?}");
        }
        let k = Keymap::from_toml(
            "confirm = \"Ctrl-s\"\ncancel = [\"Esc\", \"Ctrl-g\"]\ninterrupt = \"F10\"",
            "k.toml",
        )
        .unwrap();
        assert_eq!(k.action_for(&s, &ev(KeyCode::Char('s'), KeyModifiers::CONTROL)), Some(Action::Enter));
        assert_eq!(k.action_for(&s, &ev(KeyCode::Enter, none)), None, "the rebound key is free");
        assert_eq!(k.action_for(&s, &ev(KeyCode::Char('g'), KeyModifiers::CONTROL)), Some(Action::Escape));
        assert_eq!(k.action_for(&s, &ev(KeyCode::F(10), none)), Some(Action::Command(Command::Quit)));
        assert_eq!(k.action_for(&s, &ev(KeyCode::Char('c'), KeyModifiers::CONTROL)), None);
        s.overlay = Overlay::None;
        assert_eq!(k.action_for(&s, &ev(KeyCode::F(10), none)), Some(Action::Command(Command::Quit)));
    }

    #[test]
    fn shift_tab_from_terminal_is_backtab() {
        let ev = KeyEvent::new(KeyCode::Tab, KeyModifiers::SHIFT);
        assert_eq!(Key::from_event(&ev).code, KeyCode::BackTab);
    }
}
