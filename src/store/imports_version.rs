//! Which imported rows a push to a team hub must send (docs/hub.md). The session's `meta` key
//! `imports_version` counts the commits that changed its items, responses, pairs, annotators,
//! judges or judges' scores: every writer of those tables bumps it in its own transaction (the
//! importer, a merge or a pull, registering an annotator, an upgrade of the session). After a
//! push the hub committed, `hub:<HUB_ID>:imports_pushed` records the version the pushed rows were
//! read at; while the version is unchanged, the next push reads none of those rows. Updates in
//! place are covered too, which a row number would miss.

use rusqlite::{Connection, OptionalExtension, params};

const VERSION_KEY: &str = "imports_version";

/// Counts one more change of the imported rows, in the caller's transaction.
pub(super) fn bump(conn: &Connection) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO meta(key, value) VALUES (?1, '1')
         ON CONFLICT(key) DO UPDATE SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT)",
        [VERSION_KEY],
    )?;
    Ok(())
}

/// The current version of the imported rows (0 before the first change is counted).
pub(super) fn current(conn: &Connection) -> rusqlite::Result<i64> {
    let v: Option<String> =
        conn.query_row("SELECT value FROM meta WHERE key = ?1", [VERSION_KEY], |r| r.get(0)).optional()?;
    Ok(v.and_then(|s| s.parse().ok()).unwrap_or(0))
}

/// Every imported row as of `version` is on a hub; the judges' rows too when `with_judges`
/// (a role that may not write them pushes the others only).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImportsMark {
    pub version: i64,
    pub with_judges: bool,
}

impl ImportsMark {
    /// Whether a push that would send the judges' rows when `with_judges` has nothing to add to
    /// what this mark covers, the imported rows being at `version` now.
    pub fn covers(&self, version: i64, with_judges: bool) -> bool {
        self.version == version && (self.with_judges || !with_judges)
    }
}

fn mark_key(hub_id: &str) -> String {
    format!("hub:{hub_id}:imports_pushed")
}

pub(super) fn read_mark(conn: &Connection, hub_id: &str) -> rusqlite::Result<Option<ImportsMark>> {
    let v: Option<String> = conn
        .query_row("SELECT value FROM meta WHERE key = ?1", [mark_key(hub_id)], |r| r.get(0))
        .optional()?;
    Ok(v.and_then(|s| {
        let (version, judges) = s.split_once(' ')?;
        Some(ImportsMark { version: version.parse().ok()?, with_judges: judges == "with-judges" })
    }))
}

pub(super) fn write_mark(conn: &Connection, hub_id: &str, mark: ImportsMark) -> rusqlite::Result<()> {
    let judges = if mark.with_judges { "with-judges" } else { "without-judges" };
    conn.execute(
        "INSERT OR REPLACE INTO meta(key, value) VALUES (?1, ?2)",
        params![mark_key(hub_id), format!("{} {judges}", mark.version)],
    )?;
    Ok(())
}

pub(super) fn forget_mark(conn: &Connection, hub_id: &str) -> rusqlite::Result<()> {
    conn.execute("DELETE FROM meta WHERE key = ?1", [mark_key(hub_id)])?;
    Ok(())
}
