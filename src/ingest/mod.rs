//! (being built)

pub mod ratings;
