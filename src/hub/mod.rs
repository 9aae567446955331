//! The team hub: a PostgreSQL database that every annotator's session syncs with (docs/hub.md).
//! This module only moves rows: it creates the hub's tables, reads the rows after a cursor and
//! writes the rows it lacks. What the rows mean is decided on the session's side, by the merge
//! (`store::hub_sync`), so the hub and a merge of session files follow the same rules.

pub mod background;
pub mod claims;
mod error;
pub mod judges;
pub mod password;
pub mod session;
pub mod sql;
pub mod tls;

use crate::store::hub_sync::{AnnotatorRow, Carried, EventRow, HubResponse, HubRows, ItemRow, PairRow};
pub use error::HubError;
use postgres::{Client, Config, IsolationLevel, Transaction};
use std::collections::HashSet;
use std::str::FromStr;
use std::time::Duration;

/// What identifies the study a hub holds.
#[derive(Debug, Clone, PartialEq)]
pub struct Study {
    /// Drawn when the hub is created: the session's cursors are kept per hub.
    pub hub_id: String,
    /// The `session_id` of the session the hub was created from.
    pub study_id: String,
    /// The label schema, as JSON.
    pub label_schema: String,
    pub created_at: String,
    pub created_by: String,
}

/// What one push added to the hub, and the hub's sequence before and after it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PushOutcome {
    pub items: u64,
    pub responses: u64,
    pub pairs: u64,
    pub annotators: u64,
    pub events: u64,
    /// Named judges and judges' scores of responses.
    pub judges: u64,
    pub judge_scores: u64,
    /// Whether the judges' rows were sent (a role that may not write them sends the others).
    pub judges_sent: bool,
    pub seq_before: i64,
    pub seq_after: i64,
}

/// What `init` found.
pub enum InitOutcome {
    Created(PushOutcome),
    /// The database already holds a study; nothing was written.
    Occupied(Study),
}

pub struct Hub {
    client: Client,
    shown: String,
    /// Whether the hub has the judges' tables, once asked (`judges::ensure_tables`).
    carries_judges: Option<bool>,
    /// Whether this connection added the judges' tables, until `take_judges_tables_added`.
    judges_tables_added: bool,
}

/// Rows per statement when pushing (each column travels as one array).
const CHUNK: usize = 2000;

impl Hub {
    /// Connects to the hub at `url` (`postgres://user@host:port/database`). The password comes
    /// from the URL, `PGPASSWORD` or the password file; TLS follows the URL's `sslmode` (`tls`).
    pub fn connect(url: &str) -> Result<Hub, HubError> {
        let (rest, tls_params) = tls::split_url(url).map_err(HubError::Url)?;
        let mut config = Config::from_str(&rest)
            .map_err(|e| HubError::NotPostgresUrl { url: url.to_string(), reason: e.to_string() })?;
        if config.get_user().is_none() {
            let user = std::env::var("PGUSER").or_else(|_| std::env::var("USER")).unwrap_or_default();
            config.user(&user);
        }
        let host = match config.get_hosts().first() {
            Some(postgres::config::Host::Tcp(h)) => h.clone(),
            Some(postgres::config::Host::Unix(p)) => p.display().to_string(),
            None => "localhost".into(),
        };
        let port = config.get_ports().first().copied().unwrap_or(5432);
        let user = config.get_user().unwrap_or_default().to_string();
        let db = config.get_dbname().unwrap_or(&user).to_string();
        let shown = format!("postgres://{user}@{host}:{port}/{db}");
        if config.get_password().is_none()
            && let Some(p) = password::lookup(&host, port, &db, &user)
        {
            config.password(p);
        }
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(Duration::from_secs(10));
        }
        config.ssl_mode(tls_params.mode.transport());
        let connector =
            tls::connector(&tls_params).map_err(|error| HubError::Tls { hub: shown.clone(), error })?;
        let client = config.connect(connector).map_err(|e| HubError::Connect {
            hub: shown.clone(),
            reason: describe(&e),
            hint: tls::hint(&e, &tls_params).map(|h| format!("; {h}")).unwrap_or_default(),
        })?;
        Ok(Hub { client, shown, carries_judges: None, judges_tables_added: false })
    }

    /// The URL without its password, for messages.
    pub fn shown(&self) -> &str {
        &self.shown
    }

    /// Whether the judges travel through this hub: it has their tables, or gets them now from
    /// its owner (a hub made before they existed, docs/hub.md).
    pub fn carries_judges(&mut self) -> Result<bool, HubError> {
        if let Some(c) = self.carries_judges {
            return Ok(c);
        }
        let c = judges::ensure_tables(&mut self.client, &self.shown, &mut self.judges_tables_added)?;
        self.carries_judges = Some(c);
        Ok(c)
    }

    /// Whether this connection has added the judges' tables to the hub since last asked: they
    /// are empty then, whatever a session pushed before.
    pub fn take_judges_tables_added(&mut self) -> bool {
        std::mem::take(&mut self.judges_tables_added)
    }

    /// Whether a push now would send the judges' rows: the hub carries them and the connecting
    /// role may write them.
    pub fn takes_judges(&mut self) -> Result<bool, HubError> {
        if !self.carries_judges()? {
            return Ok(false);
        }
        judges::may_write(&mut self.client).map_err(|e| fail(&self.shown, "reading the hub", e))
    }

    /// Whether the server sees this connection as encrypted.
    pub fn encrypted(&mut self) -> Result<bool, HubError> {
        self.client
            .query_one("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()", &[])
            .and_then(|r| r.try_get(0))
            .map_err(|e| fail(&self.shown, "reading the connection's state", e))
    }

    /// The study this hub holds, or `None` when the database has no hub tables.
    pub fn study(&mut self) -> Result<Option<Study>, HubError> {
        let mut tx = self.client.transaction().map_err(|e| fail(&self.shown, "reading the hub", e))?;
        let s = read_study(&mut tx).map_err(|e| fail(&self.shown, "reading the hub", e))?;
        Ok(s)
    }

    /// Creates the hub's tables holding `study` and uploads `rows`, in one transaction; an
    /// occupied database is left as it is.
    pub fn init(&mut self, study: &Study, rows: &HubRows) -> Result<InitOutcome, HubError> {
        let shown = self.shown.clone();
        let f = |e| fail(&shown, "creating the hub", e);
        let mut tx = self.client.transaction().map_err(f)?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&sql::WRITE_LOCK]).map_err(f)?;
        if let Some(existing) = read_study(&mut tx).map_err(f)? {
            return Ok(InitOutcome::Occupied(existing));
        }
        let schema_exists: bool = tx
            .query_one("SELECT EXISTS(SELECT 1 FROM pg_namespace WHERE nspname = 'crossreview')", &[])
            .and_then(|r| r.try_get(0))
            .map_err(f)?;
        if schema_exists {
            return Err(HubError::ForeignSchema { hub: shown.clone() });
        }
        tx.batch_execute(sql::CREATE).map_err(f)?;
        tx.batch_execute(claims::CREATE_LEASES).map_err(f)?;
        let lead_exists: bool = tx
            .query_one("SELECT EXISTS(SELECT 1 FROM pg_roles WHERE rolname = $1)", &[&sql::LEAD_ROLE])
            .and_then(|r| r.try_get(0))
            .map_err(f)?;
        if !lead_exists {
            tx.batch_execute(&format!("CREATE ROLE {} NOLOGIN", sql::LEAD_ROLE)).map_err(|e| {
                HubError::LeadRole { hub: shown.clone(), role: sql::LEAD_ROLE, reason: describe(&e) }
            })?;
        }
        tx.batch_execute(sql::SECURITY).map_err(f)?;
        tx.batch_execute(judges::CREATE).map_err(f)?;
        tx.execute(
            "INSERT INTO crossreview.study(hub_id, study_id, label_schema, created_at, created_by) VALUES ($1,$2,$3,$4,$5)",
            &[&study.hub_id, &study.study_id, &study.label_schema, &study.created_at, &study.created_by],
        )
        .map_err(f)?;
        let mut out =
            push_in(&mut tx, rows, &HubDigests::default(), judges::MAX_SEQ, Some(&judges::Held::default()))
                .map_err(f)?;
        out.judges_sent = rows.judges.is_some();
        tx.commit().map_err(f)?;
        self.carries_judges = Some(true);
        Ok(InitOutcome::Created(out))
    }

    /// Every row after `after` (a hub sequence number), read in one snapshot, with the item
    /// versions that new responses belong to; and the largest sequence number in that snapshot.
    pub fn pull(&mut self, after: i64) -> Result<(HubRows, i64), HubError> {
        let carries_judges = self.carries_judges()?;
        let shown = self.shown.clone();
        let f = |e| fail(&shown, "reading the hub", e);
        let mut tx = self
            .client
            .build_transaction()
            .isolation_level(IsolationLevel::RepeatableRead)
            .read_only(true)
            .start()
            .map_err(f)?;
        let max_seq = if carries_judges { judges::MAX_SEQ } else { sql::MAX_SEQ };
        let through: i64 = tx.query_one(max_seq, &[]).and_then(|r| r.try_get(0)).map_err(f)?;
        let mut rows = HubRows::default();
        if through <= after {
            tx.commit().map_err(f)?;
            return Ok((rows, through));
        }
        for r in tx.query(sql::SELECT_RESPONSES, &[&after]).map_err(f)? {
            rows.responses.push(judges::response_from(&r).map_err(f)?);
        }
        if carries_judges {
            rows.judges = Some(judges::pull(&mut tx, after, &mut rows.responses).map_err(f)?);
        }
        let wanted: Vec<String> = rows
            .responses
            .iter()
            .map(|r| r.row.item_digest.clone())
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        for r in tx.query(sql::SELECT_ITEMS, &[&after, &wanted]).map_err(f)? {
            rows.items.push(Carried {
                hub_seq: r.try_get(0).map_err(f)?,
                digest: r.try_get(2).map_err(f)?,
                row: ItemRow {
                    id: r.try_get(1).map_err(f)?,
                    image: r.try_get(3).map_err(f)?,
                    query: r.try_get(4).map_err(f)?,
                    query_en: r.try_get(5).map_err(f)?,
                    language: r.try_get(6).map_err(f)?,
                    country: r.try_get(7).map_err(f)?,
                    domain: r.try_get(8).map_err(f)?,
                    norm: r.try_get(9).map_err(f)?,
                    meta: r.try_get(10).map_err(f)?,
                    imported_at: r.try_get(11).map_err(f)?,
                },
            });
        }
        for r in tx.query(sql::SELECT_PAIRS, &[&after]).map_err(f)? {
            rows.pairs.push(Carried {
                hub_seq: r.try_get(0).map_err(f)?,
                digest: r.try_get(2).map_err(f)?,
                row: PairRow {
                    id: r.try_get(1).map_err(f)?,
                    item_id: r.try_get(3).map_err(f)?,
                    prompt: r.try_get(4).map_err(f)?,
                    chosen: r.try_get(5).map_err(f)?,
                    rejected: r.try_get(6).map_err(f)?,
                    images: r.try_get(7).map_err(f)?,
                    meta: r.try_get(8).map_err(f)?,
                    imported_at: r.try_get(9).map_err(f)?,
                },
            });
        }
        for r in tx.query(sql::SELECT_ANNOTATORS, &[&after]).map_err(f)? {
            rows.annotators.push(Carried {
                hub_seq: r.try_get(0).map_err(f)?,
                digest: r.try_get(2).map_err(f)?,
                row: AnnotatorRow {
                    name: r.try_get(1).map_err(f)?,
                    created_at: r.try_get(3).map_err(f)?,
                    languages: r.try_get(4).map_err(f)?,
                    role: r.try_get(5).map_err(f)?,
                },
            });
        }
        for r in tx.query(sql::SELECT_EVENTS, &[&after]).map_err(f)? {
            rows.events.push(Carried {
                hub_seq: r.try_get(0).map_err(f)?,
                digest: r.try_get(2).map_err(f)?,
                row: EventRow {
                    uid: r.try_get(1).map_err(f)?,
                    at: r.try_get(3).map_err(f)?,
                    annotator: r.try_get(4).map_err(f)?,
                    task_kind: r.try_get(5).map_err(f)?,
                    item_id: r.try_get(6).map_err(f)?,
                    model: r.try_get(7).map_err(f)?,
                    pair_id: r.try_get(8).map_err(f)?,
                    field: r.try_get(9).map_err(f)?,
                    kind: r.try_get(10).map_err(f)?,
                    value: r.try_get(11).map_err(f)?,
                    text: r.try_get(12).map_err(f)?,
                    prev_value: r.try_get(13).map_err(f)?,
                    prev_text: r.try_get(14).map_err(f)?,
                    ref_uid: r.try_get(15).map_err(f)?,
                    seconds: r.try_get(16).map_err(f)?,
                    judge_visible: r.try_get(17).map_err(f)?,
                    origin: r.try_get(18).map_err(f)?,
                },
            });
        }
        tx.commit().map_err(f)?;
        Ok((rows, through))
    }

    /// Writes the rows the hub lacks, in one transaction under the hub's write lock.
    pub fn push(&mut self, rows: &HubRows) -> Result<PushOutcome, HubError> {
        let carries_judges = self.carries_judges()?;
        let shown = self.shown.clone();
        let f = |e: postgres::Error| {
            if e.code() == Some(&postgres::error::SqlState::INSUFFICIENT_PRIVILEGE) {
                return HubError::PushRefused {
                    hub: shown.clone(),
                    reason: describe(&e),
                    lead: sql::LEAD_ROLE,
                };
            }
            fail(&shown, "writing to the hub", e)
        };
        let mut tx = self.client.transaction().map_err(f)?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&sql::WRITE_LOCK]).map_err(f)?;
        let held = HubDigests::read(&mut tx, rows).map_err(f)?;
        // Judges are imports: only a role that may write them sends them (an annotator's
        // session holds the judges it pulled, and judges an old hub could not name).
        let judges_held = match &rows.judges {
            Some(j) if carries_judges && judges::may_write(&mut tx).map_err(f)? => {
                Some(judges::Held::read(&mut tx, j).map_err(f)?)
            }
            _ => None,
        };
        let max_seq = if carries_judges { judges::MAX_SEQ } else { sql::MAX_SEQ };
        let mut out = push_in(&mut tx, rows, &held, max_seq, judges_held.as_ref()).map_err(f)?;
        out.judges_sent = judges_held.is_some();
        tx.commit().map_err(f)?;
        Ok(out)
    }
}

fn fail(shown: &str, doing: &'static str, e: postgres::Error) -> HubError {
    HubError::Postgres { hub: shown.to_string(), doing, reason: describe(&e) }
}

/// A PostgreSQL error in words: the server's message when there is one.
fn describe(e: &postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => format!("{} ({})", db.message(), db.code().code()),
        None => e.to_string(),
    }
}

fn read_study(tx: &mut Transaction<'_>) -> Result<Option<Study>, postgres::Error> {
    let exists: bool =
        tx.query_one("SELECT to_regclass('crossreview.study') IS NOT NULL", &[])?.try_get(0)?;
    if !exists {
        return Ok(None);
    }
    let row = tx.query_opt(
        "SELECT hub_id, study_id, label_schema, created_at, created_by FROM crossreview.study",
        &[],
    )?;
    row.map(|r| -> Result<Study, postgres::Error> {
        Ok(Study {
            hub_id: r.try_get(0)?,
            study_id: r.try_get(1)?,
            label_schema: r.try_get(2)?,
            created_at: r.try_get(3)?,
            created_by: r.try_get(4)?,
        })
    })
    .transpose()
}

/// The digests of the rows the hub holds (events are not listed: they are sent from a cursor).
#[derive(Default)]
struct HubDigests {
    items: HashSet<String>,
    responses: HashSet<String>,
    pairs: HashSet<String>,
    /// `name role`: an annotator row is sent only when the hub has none with that name and role
    /// (a merged row may mix two rows' details, and the write rules let an annotator add only
    /// their own row).
    annotators: HashSet<String>,
}

impl HubDigests {
    /// Which of the rows about to be pushed the hub holds: only their digests are asked for.
    fn read(tx: &mut Transaction<'_>, rows: &HubRows) -> Result<HubDigests, postgres::Error> {
        fn held<'a>(
            tx: &mut Transaction<'_>,
            sql: &str,
            keys: impl Iterator<Item = &'a str>,
        ) -> Result<HashSet<String>, postgres::Error> {
            let keys: Vec<&str> = keys.collect();
            if keys.is_empty() {
                return Ok(HashSet::new());
            }
            tx.query(sql, &[&keys])?.iter().map(|r| r.try_get(0)).collect()
        }
        let by_digest =
            |table: &str| format!("SELECT digest FROM crossreview.{table} WHERE digest = ANY($1)");
        Ok(HubDigests {
            items: held(tx, &by_digest("items"), rows.items.iter().map(|c| c.digest.as_str()))?,
            responses: held(tx, &by_digest("responses"), rows.responses.iter().map(|c| c.digest.as_str()))?,
            pairs: held(tx, &by_digest("pairs"), rows.pairs.iter().map(|c| c.digest.as_str()))?,
            annotators: held(
                tx,
                "SELECT DISTINCT name || ' ' || role FROM crossreview.annotators WHERE name = ANY($1)",
                rows.annotators.iter().map(|c| c.row.name.as_str()),
            )?,
        })
    }
}

/// `max_seq`: the query of the hub's largest sequence number (with the judges' tables when it
/// has them); `judges_held`: the judges' rows the hub holds, `None` when no judges are sent.
fn push_in(
    tx: &mut Transaction<'_>,
    rows: &HubRows,
    held: &HubDigests,
    max_seq: &str,
    judges_held: Option<&judges::Held>,
) -> Result<PushOutcome, postgres::Error> {
    let seq_before: i64 = tx.query_one(max_seq, &[])?.try_get(0)?;
    let mut out = PushOutcome { seq_before, ..PushOutcome::default() };
    let new = |set: &HashSet<String>, d: &str| !set.contains(d);
    let items: Vec<&Carried<ItemRow>> = rows.items.iter().filter(|c| new(&held.items, &c.digest)).collect();
    for chunk in items.chunks(CHUNK) {
        let col = |f: fn(&ItemRow) -> Option<String>| -> Vec<Option<String>> {
            chunk.iter().map(|c| f(&c.row)).collect()
        };
        let digests: Vec<&str> = chunk.iter().map(|c| c.digest.as_str()).collect();
        out.items += tx.execute(
            sql::INSERT_ITEMS,
            &[
                &col(|r| Some(r.id.clone())),
                &digests,
                &col(|r| r.image.clone()),
                &col(|r| Some(r.query.clone())),
                &col(|r| r.query_en.clone()),
                &col(|r| r.language.clone()),
                &col(|r| r.country.clone()),
                &col(|r| r.domain.clone()),
                &col(|r| r.norm.clone()),
                &col(|r| Some(r.meta.clone())),
                &col(|r| Some(r.imported_at.clone())),
            ],
        )?;
    }
    let responses: Vec<&Carried<HubResponse>> =
        rows.responses.iter().filter(|c| new(&held.responses, &c.digest)).collect();
    for chunk in responses.chunks(CHUNK) {
        let col =
            |f: fn(&HubResponse) -> String| -> Vec<String> { chunk.iter().map(|c| f(&c.row)).collect() };
        let digests: Vec<&str> = chunk.iter().map(|c| c.digest.as_str()).collect();
        out.responses += tx.execute(
            sql::INSERT_RESPONSES,
            &[
                &col(|r| r.row.item_id.clone()),
                &col(|r| r.row.model.clone()),
                &col(|r| r.item_digest.clone()),
                &digests,
                &col(|r| r.row.text.clone()),
                &col(|r| r.row.judge.clone()),
                &col(|r| r.row.judge_rationale.clone()),
            ],
        )?;
    }
    let pairs: Vec<&Carried<PairRow>> = rows.pairs.iter().filter(|c| new(&held.pairs, &c.digest)).collect();
    for chunk in pairs.chunks(CHUNK) {
        let col = |f: fn(&PairRow) -> Option<String>| -> Vec<Option<String>> {
            chunk.iter().map(|c| f(&c.row)).collect()
        };
        let digests: Vec<&str> = chunk.iter().map(|c| c.digest.as_str()).collect();
        out.pairs += tx.execute(
            sql::INSERT_PAIRS,
            &[
                &col(|r| Some(r.id.clone())),
                &digests,
                &col(|r| r.item_id.clone()),
                &col(|r| Some(r.prompt.clone())),
                &col(|r| Some(r.chosen.clone())),
                &col(|r| Some(r.rejected.clone())),
                &col(|r| Some(r.images.clone())),
                &col(|r| Some(r.meta.clone())),
                &col(|r| Some(r.imported_at.clone())),
            ],
        )?;
    }
    let annotators: Vec<&Carried<AnnotatorRow>> = rows
        .annotators
        .iter()
        .filter(|c| new(&held.annotators, &format!("{} {}", c.row.name, c.row.role)))
        .collect();
    for chunk in annotators.chunks(CHUNK) {
        let col =
            |f: fn(&AnnotatorRow) -> String| -> Vec<String> { chunk.iter().map(|c| f(&c.row)).collect() };
        let digests: Vec<&str> = chunk.iter().map(|c| c.digest.as_str()).collect();
        out.annotators += tx.execute(
            sql::INSERT_ANNOTATORS,
            &[
                &col(|r| r.name.clone()),
                &digests,
                &col(|r| r.created_at.clone()),
                &col(|r| r.languages.clone()),
                &col(|r| r.role.clone()),
            ],
        )?;
    }
    // Only the events the hub lacks are sent: the write rules refuse someone else's label even
    // when the hub holds it already, and a session holds everyone's labels it pulled.
    let mut events = Vec::with_capacity(rows.events.len());
    for chunk in rows.events.chunks(CHUNK) {
        let uids: Vec<&str> = chunk.iter().map(|c| c.row.uid.as_str()).collect();
        let held: HashSet<String> =
            tx.query(sql::HELD_EVENTS, &[&uids])?.iter().map(|r| r.try_get(0)).collect::<Result<_, _>>()?;
        events
            .extend(chunk.iter().filter(|c| !held.contains(&format!("{} {}", c.row.uid, c.digest))).cloned());
    }
    for chunk in events.chunks(CHUNK) {
        let text = |f: fn(&EventRow) -> String| -> Vec<String> { chunk.iter().map(|c| f(&c.row)).collect() };
        let opt_text = |f: fn(&EventRow) -> Option<String>| -> Vec<Option<String>> {
            chunk.iter().map(|c| f(&c.row)).collect()
        };
        let opt_int = |f: fn(&EventRow) -> Option<i64>| -> Vec<Option<i64>> {
            chunk.iter().map(|c| f(&c.row)).collect()
        };
        let digests: Vec<&str> = chunk.iter().map(|c| c.digest.as_str()).collect();
        let seconds: Vec<f64> = chunk.iter().map(|c| c.row.seconds).collect();
        let judge_visible: Vec<i64> = chunk.iter().map(|c| c.row.judge_visible).collect();
        out.events += tx.execute(
            sql::INSERT_EVENTS,
            &[
                &text(|r| r.uid.clone()),
                &digests,
                &text(|r| r.at.clone()),
                &text(|r| r.annotator.clone()),
                &text(|r| r.task_kind.clone()),
                &text(|r| r.item_id.clone()),
                &text(|r| r.model.clone()),
                &text(|r| r.pair_id.clone()),
                &text(|r| r.field.clone()),
                &text(|r| r.kind.clone()),
                &opt_int(|r| r.value),
                &opt_text(|r| r.text.clone()),
                &opt_int(|r| r.prev_value),
                &opt_text(|r| r.prev_text.clone()),
                &opt_text(|r| r.ref_uid.clone()),
                &seconds,
                &judge_visible,
                &text(|r| r.origin.clone()),
            ],
        )?;
    }
    if let (Some(judge_rows), Some(judges_held)) = (&rows.judges, judges_held) {
        (out.judges, out.judge_scores) = judges::push_in(tx, judge_rows, judges_held, CHUNK)?;
    }
    out.seq_after = tx.query_one(max_seq, &[])?.try_get(0)?;
    Ok(out)
}
