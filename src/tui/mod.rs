//! The annotation TUI. Pure parts: `state` (what is shown), `action` (what can happen, and the
//! one table of commands), `update` (state machine), `keymap`, `theme`, `filter`; the `draw`
//! functions read the state; `load` builds the first state from the session, `app` is the event
//! loop and `effects` carries out what `update` asks against the session; `image` and `worker`
//! (search, stats) run their work on threads.
//!
//! Modes: `responses`, `pairs` and `adjudicate`, all run by the same state machine.

pub mod action;
pub mod adjudicate;
pub mod app;
pub mod draw;
pub mod effects;
pub mod error;
pub mod filter;
pub mod image;
pub mod image_screen;
pub mod keymap;
pub mod late_answers;
pub mod load;
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
