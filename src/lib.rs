//! crossreview: the human side of multimodal cultural-safety evaluation.
//!
//! The pure core (`agreement`, `model`, `schema`, the parsers in `ingest`, the state machine in
//! `tui::state`) is kept apart from input/output (`store`, `export`, `commands`) and from the
//! screen (`tui`'s draw functions).

pub mod agreement;
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
pub mod model;
pub mod out;
pub mod rng;
pub mod schema;
pub mod store;
pub mod text;
pub mod tui;
