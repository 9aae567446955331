//! crossreview: the human side of multimodal cultural-safety evaluation.
//!
//! The pure core (`agreement`, `model`, `schema`, the parsers in `ingest`, the state machine in
//! `tui::state`) is kept apart from input/output (`store`, `session_stats`, `export`, `commands`)
//! and from the screen (`tui`'s draw functions).

// No unwrap outside tests: `expect("why it cannot fail")` or an error (clippy.toml lets tests unwrap).
#![deny(clippy::unwrap_used)]

pub mod agreement;
pub mod annotate;
pub mod assign;
pub mod bounded_read;
pub mod cli;
pub mod commands;
pub mod demo;
pub mod error;
pub mod export;
pub mod file_identity;
pub mod file_size_limit;
pub mod hub;
pub mod imaging;
pub mod ingest;
pub mod labels;
pub mod messages;
pub mod model;
pub mod out;
pub mod rng;
pub mod schema;
pub mod search;
pub mod session_stats;
pub mod store;
pub mod text;
pub mod tui;
