//! What can go wrong in an export: reading the session, an annotator it does not know, an image
//! that cannot be embedded, writing the output. `commands` report an `ExportError`
//! (docs/ARCHITECTURE.md, Errors).

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// Reading the session failed.
    #[error(transparent)]
    Sqlite(#[from] rusqlite::Error),
    #[error("--annotator {unknown}: not an annotator of {session} (its annotators: {known})")]
    UnknownAnnotators { unknown: String, session: String, known: String },
    /// An image to embed as a `data:` URL could not be read.
    #[error("{}: image of pair {pair_id:?} cannot be embedded ({reason}); put an image file there, or pass --image-paths to write its path instead of embedding it", .path.display())]
    UnreadableImage { path: PathBuf, pair_id: String, reason: String },
    #[error("{}: its content is not a PNG, JPEG, GIF or WebP image, which are what OpenAI accepts", .path.display())]
    NotAnImage { path: PathBuf },
    /// Something went wrong with one pair.
    #[error("pair {pair_id:?}: {error}")]
    OfPair { pair_id: String, error: Box<ExportError> },
    /// Writing the output failed.
    #[error(transparent)]
    Write(#[from] std::io::Error),
    /// A row could not be written out as JSON.
    #[error(transparent)]
    Json(#[from] serde_json::Error),
}

impl ExportError {
    /// The I/O error this is, when writing failed.
    pub fn io(&self) -> Option<&std::io::Error> {
        match self {
            ExportError::Write(e) => Some(e),
            _ => None,
        }
    }
}
