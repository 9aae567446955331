//! The rows a session and a team hub exchange, each with the digest that identifies it
//! (docs/hub.md): what `hub_sync.rs` and `hub_judges.rs` both carry.

use super::merge_rows::ResponseRow;
use sha2::{Digest, Sha256};
use std::fmt::Debug;

/// A response row with the digest of the item version it was imported with (a response follows
/// its item: see `merge.rs`).
#[derive(Debug, Clone, PartialEq)]
pub struct HubResponse {
    pub item_digest: String,
    pub row: ResponseRow,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Carried<T> {
    pub hub_seq: i64,
    pub digest: String,
    pub row: T,
}

impl<T: Debug> Carried<T> {
    /// A row read from the session, with its digest computed.
    pub fn new(row: T) -> Carried<T> {
        Carried { hub_seq: 0, digest: digest(&row), row }
    }
}

/// A row's identity on the hub: a SHA-256 of everything it holds, as hex.
pub fn digest<T: Debug>(row: &T) -> String {
    Sha256::digest(format!("{row:?}").as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}
