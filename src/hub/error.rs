//! What can go wrong with a team hub. Each message names the hub (its URL without the
//! password) and says what to do; `commands` report a `HubError` (docs/ARCHITECTURE.md, Errors).

use super::tls::TlsError;
use crate::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum HubError {
    // The command line: a bad URL or TLS setting.
    #[error("the hub URL: {0}")]
    Url(TlsError),
    #[error("{url:?} is not a PostgreSQL URL ({reason}); expected postgres://USER@HOST:PORT/DATABASE")]
    NotPostgresUrl { url: String, reason: String },
    #[error("{hub}: {error}")]
    Tls { hub: String, error: TlsError },

    // The server.
    #[error("{hub}: cannot connect to the hub: {reason}{hint}")]
    Connect { hub: String, reason: String, hint: String },
    /// A statement failed while `doing` (e.g. "reading the hub").
    #[error("{hub}: {doing}: {reason}")]
    Postgres { hub: String, doing: &'static str, reason: String },
    #[error(
        "{hub}: the database has a schema named crossreview that is not a crossreview hub; nothing was changed. Use another database (createdb) for the hub"
    )]
    ForeignSchema { hub: String },
    #[error(
        "{hub}: cannot create the role {role} ({reason}); nothing was changed. Ask the server's administrator to run `CREATE ROLE {role} NOLOGIN;` once, then run hub init again"
    )]
    LeadRole { hub: String, role: &'static str, reason: String },
    #[error(
        "{hub}: the hub refused the push ({reason}): a database role may push only the labels of the annotator of its own name, and only members of {lead} may push items, responses, pairs or other people's labels; nothing was pushed"
    )]
    PushRefused { hub: String, reason: String, lead: &'static str },

    // The study the hub holds.
    #[error(
        "{hub}: this database holds no crossreview hub; create one with `crossreview hub init URL SESSION`"
    )]
    NoHub { hub: String },
    #[error(
        "{hub}: the hub was made by a newer crossreview (hub format {format}, this program knows up to {known}); upgrade crossreview; nothing was synced"
    )]
    NewerHubFormat { hub: String, format: i32, known: i32 },
    #[error("{hub}: the hub's label schema is damaged ({reason}); nothing was synced")]
    DamagedSchema { hub: String, reason: String },
    #[error(
        "{hub}: the hub's label schema ({theirs}) differs from {session}'s ({ours}); only sessions of the same study can sync with it; nothing was synced"
    )]
    SchemaDiffers { hub: String, theirs: String, session: String, ours: String },

    /// The session's side of a sync.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl HubError {
    /// Whether the caller gave a bad argument (the URL or its TLS settings).
    pub fn is_usage(&self) -> bool {
        matches!(self, HubError::Url(_) | HubError::NotPostgresUrl { .. } | HubError::Tls { .. })
    }
}
