//! The annotation TUI. Pure parts: `state` (what is shown), `action` (what can happen),
//! `update` (state machine), `keymap`, `theme`, `filter`; the `draw` functions read the state;
//! `app` is the event loop that carries out effects against the session; `image` and `search`
//! run their work on worker threads.
//!
//! Modes: `responses`, `pairs` and `adjudicate`, all run by the same state machine.

pub mod action;
pub mod adjudicate;
pub mod app;
pub mod draw;
pub mod filter;
pub mod image;
pub mod keymap;
pub mod late_answers;
pub mod mouse;
pub mod pairs;
pub mod probe;
pub mod state;
pub mod stats;
pub mod terminal_setup;
pub mod terminal_version;
pub mod theme;
pub mod typed_keys;
pub mod update;
pub mod width_mode;
pub mod worker;
pub mod workers;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_adjudicate;
#[cfg(test)]
mod tests_pairs;
