//! The named judges on the hub (docs/hub.md): the tables `judges` and `response_judges`, added
//! to a hub made before they existed by the next `hub init` or `sync` of its owner (hub format
//! 2, kept in `hub_format`), and the moving of their rows.

use super::HubError;
use super::sql;
use crate::store::hub_sync::{
    Carried, HubResponse, HubResponseJudge, JudgeRows, ResponseJudgeRow, ResponseRow,
};
use postgres::error::SqlState;
use postgres::{Client, GenericClient, Transaction};
use std::collections::HashSet;

/// The hub's format: 1 (no `hub_format` table) was the first; 2 carries the judges.
pub const HUB_FORMAT: i32 = 2;

/// Creates the judges' tables, their row-level security (as for the other imports: everyone
/// reads, members of the lead role write) and the format mark, on a new hub or one of format 1.
/// Roles already granted the responses table (annotators, other leads) get the same rights on
/// the new tables, so an upgraded hub needs no new grants.
pub const CREATE: &str = "
CREATE TABLE IF NOT EXISTS crossreview.judges (
    hub_seq bigint NOT NULL DEFAULT nextval('crossreview.hub_seq'),
    name    text NOT NULL,
    digest  text NOT NULL,
    PRIMARY KEY (digest)
);
CREATE TABLE IF NOT EXISTS crossreview.response_judges (
    hub_seq         bigint NOT NULL DEFAULT nextval('crossreview.hub_seq'),
    judge           text NOT NULL,
    item_id         text NOT NULL,
    model           text NOT NULL,
    response_digest text NOT NULL,
    digest          text NOT NULL,
    scores          text NOT NULL,
    rationale       text NOT NULL,
    PRIMARY KEY (digest)
);
CREATE INDEX IF NOT EXISTS judges_by_seq ON crossreview.judges (hub_seq);
CREATE INDEX IF NOT EXISTS response_judges_by_seq ON crossreview.response_judges (hub_seq);
CREATE INDEX IF NOT EXISTS response_judges_by_response ON crossreview.response_judges (response_digest);
CREATE TABLE IF NOT EXISTS crossreview.hub_format (
    one     boolean PRIMARY KEY DEFAULT true CHECK (one),
    version integer NOT NULL
);
ALTER TABLE crossreview.judges ENABLE ROW LEVEL SECURITY;
ALTER TABLE crossreview.response_judges ENABLE ROW LEVEL SECURITY;
ALTER TABLE crossreview.hub_format ENABLE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS everyone_reads ON crossreview.judges;
DROP POLICY IF EXISTS everyone_reads ON crossreview.response_judges;
DROP POLICY IF EXISTS everyone_reads ON crossreview.hub_format;
DROP POLICY IF EXISTS lead_imports ON crossreview.judges;
DROP POLICY IF EXISTS lead_imports ON crossreview.response_judges;
CREATE POLICY everyone_reads ON crossreview.judges FOR SELECT USING (true);
CREATE POLICY everyone_reads ON crossreview.response_judges FOR SELECT USING (true);
CREATE POLICY everyone_reads ON crossreview.hub_format FOR SELECT USING (true);
CREATE POLICY lead_imports ON crossreview.judges FOR INSERT WITH CHECK (pg_has_role('crossreview_lead', 'MEMBER'));
CREATE POLICY lead_imports ON crossreview.response_judges FOR INSERT WITH CHECK (pg_has_role('crossreview_lead', 'MEMBER'));
DO $$
DECLARE g record;
BEGIN
    FOR g IN SELECT DISTINCT a.grantee, a.privilege_type
             FROM pg_class c, aclexplode(c.relacl) a
             WHERE c.oid = 'crossreview.responses'::regclass AND a.grantee <> c.relowner
               AND a.privilege_type IN ('SELECT', 'INSERT') LOOP
        EXECUTE format('GRANT %s ON crossreview.judges, crossreview.response_judges TO %s', g.privilege_type,
                       CASE WHEN g.grantee = 0 THEN 'PUBLIC' ELSE g.grantee::regrole::text END);
        IF g.privilege_type = 'SELECT' THEN
            EXECUTE format('GRANT SELECT ON crossreview.hub_format TO %s',
                           CASE WHEN g.grantee = 0 THEN 'PUBLIC' ELSE g.grantee::regrole::text END);
        END IF;
    END LOOP;
END $$;
INSERT INTO crossreview.hub_format(version) VALUES (2)
    ON CONFLICT (one) DO UPDATE SET version = excluded.version;
";

/// The largest `hub_seq` of any row, the judges' included (0 on an empty hub).
pub const MAX_SEQ: &str = "SELECT GREATEST(
    (SELECT max(hub_seq) FROM crossreview.items), (SELECT max(hub_seq) FROM crossreview.responses),
    (SELECT max(hub_seq) FROM crossreview.pairs), (SELECT max(hub_seq) FROM crossreview.annotators),
    (SELECT max(hub_seq) FROM crossreview.events), (SELECT max(hub_seq) FROM crossreview.judges),
    (SELECT max(hub_seq) FROM crossreview.response_judges), 0)";

const SELECT_JUDGES: &str = "SELECT hub_seq, name, digest FROM crossreview.judges ORDER BY hub_seq";
const SELECT_SCORES: &str =
    "SELECT hub_seq, judge, item_id, model, response_digest, digest, scores, rationale
    FROM crossreview.response_judges WHERE hub_seq > $1 OR response_digest = ANY($2) ORDER BY hub_seq";
const SELECT_RESPONSES: &str = "SELECT hub_seq, item_id, model, item_digest, digest, text, judge,
    judge_rationale FROM crossreview.responses WHERE digest = ANY($1) ORDER BY hub_seq";
const INSERT_JUDGES: &str = "INSERT INTO crossreview.judges (name, digest)
    SELECT * FROM unnest($1::text[], $2::text[]) ON CONFLICT DO NOTHING";
const INSERT_SCORES: &str = "INSERT INTO crossreview.response_judges
    (judge, item_id, model, response_digest, digest, scores, rationale)
    SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[])
    ON CONFLICT DO NOTHING";

/// The hub's format: 1 when it has no `hub_format` table.
fn format_in(tx: &mut Transaction<'_>) -> Result<i32, postgres::Error> {
    let marked: bool =
        tx.query_one("SELECT to_regclass('crossreview.hub_format') IS NOT NULL", &[])?.try_get(0)?;
    if !marked {
        return Ok(1);
    }
    tx.query_opt("SELECT version FROM crossreview.hub_format", &[])?.map_or(Ok(1), |r| r.try_get(0))
}

/// Whether the hub carries the judges, adding their tables to a hub of format 1 when this
/// connection may (its owner); `Ok(false)` when it may not (the owner's next sync will). A hub
/// of a newer format is refused. `added` is set when the tables were added now.
pub fn ensure_tables(client: &mut Client, shown: &str, added: &mut bool) -> Result<bool, HubError> {
    let f = |e| super::fail(shown, "reading the hub", e);
    let mut tx = client.transaction().map_err(f)?;
    let format = format_in(&mut tx).map_err(f)?;
    if format > HUB_FORMAT {
        return Err(HubError::NewerHubFormat { hub: shown.to_string(), format, known: HUB_FORMAT });
    }
    if format == HUB_FORMAT {
        tx.commit().map_err(f)?;
        return Ok(true);
    }
    let f = |e| super::fail(shown, "adding the judges' tables to the hub", e);
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&sql::WRITE_LOCK]).map_err(f)?;
    if format_in(&mut tx).map_err(f)? == HUB_FORMAT {
        tx.commit().map_err(f)?;
        return Ok(true);
    }
    match tx.batch_execute(CREATE) {
        Ok(()) => {
            tx.commit().map_err(f)?;
            *added = true;
            Ok(true)
        }
        // Not the owner: the hub stays as it is, and judges do not travel yet.
        Err(e) if e.code() == Some(&SqlState::INSUFFICIENT_PRIVILEGE) => Ok(false),
        Err(e) => Err(f(e)),
    }
}

/// Whether the connecting role may write the judges' tables: their owner, a superuser, or a
/// member of the lead role (the tables' row-level security).
pub fn may_write(tx: &mut impl GenericClient) -> Result<bool, postgres::Error> {
    tx.query_one(
        "SELECT pg_has_role(current_user, $1, 'MEMBER')
             OR pg_has_role(current_user, (SELECT relowner FROM pg_class WHERE oid = 'crossreview.response_judges'::regclass), 'MEMBER')
             OR (SELECT rolsuper FROM pg_roles WHERE rolname = current_user)",
        &[&sql::LEAD_ROLE],
    )?
    .try_get(0)
}

/// A response as the hub's `responses` table holds it (columns as in `sql::SELECT_RESPONSES`).
pub fn response_from(r: &postgres::Row) -> Result<Carried<HubResponse>, postgres::Error> {
    Ok(Carried {
        hub_seq: r.try_get(0)?,
        digest: r.try_get(4)?,
        row: HubResponse {
            item_digest: r.try_get(3)?,
            row: ResponseRow {
                item_id: r.try_get(1)?,
                model: r.try_get(2)?,
                text: r.try_get(5)?,
                judge: r.try_get(6)?,
                judge_rationale: r.try_get(7)?,
            },
        },
    })
}

/// Reads every judge, the scores after `after` and every score of the responses pulled, and adds
/// to `responses` the versions those scores are of, so that each score travels with its
/// response and each response with all its scores.
pub fn pull(
    tx: &mut Transaction<'_>,
    after: i64,
    responses: &mut Vec<Carried<HubResponse>>,
) -> Result<JudgeRows, postgres::Error> {
    let mut out = JudgeRows::default();
    for r in tx.query(SELECT_JUDGES, &[])? {
        out.judges.push(Carried { hub_seq: r.try_get(0)?, digest: r.try_get(2)?, row: r.try_get(1)? });
    }
    let mut have: HashSet<String> = responses.iter().map(|r| r.digest.clone()).collect();
    let mut seen: HashSet<String> = HashSet::new();
    let mut scores_of = |tx: &mut Transaction<'_>, after: i64, digests: Vec<String>, out: &mut JudgeRows| {
        for r in tx.query(SELECT_SCORES, &[&after, &digests])? {
            let digest: String = r.try_get(5)?;
            if seen.insert(digest.clone()) {
                out.scores.push(Carried {
                    hub_seq: r.try_get(0)?,
                    digest,
                    row: HubResponseJudge {
                        response_digest: r.try_get(4)?,
                        row: ResponseJudgeRow {
                            judge: r.try_get(1)?,
                            item_id: r.try_get(2)?,
                            model: r.try_get(3)?,
                            scores: r.try_get(6)?,
                            rationale: r.try_get(7)?,
                        },
                    },
                });
            }
        }
        Ok::<(), postgres::Error>(())
    };
    scores_of(tx, after, have.iter().cloned().collect(), &mut out)?;
    let missing: Vec<String> = out
        .scores
        .iter()
        .map(|s| s.row.response_digest.clone())
        .filter(|d| !have.contains(d))
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    if !missing.is_empty() {
        for r in tx.query(SELECT_RESPONSES, &[&missing])? {
            let c = response_from(&r)?;
            have.insert(c.digest.clone());
            responses.push(c);
        }
        scores_of(tx, i64::MAX, missing, &mut out)?;
    }
    Ok(out)
}

/// The digests of the judges' rows the hub holds.
#[derive(Default)]
pub struct Held {
    judges: HashSet<String>,
    scores: HashSet<String>,
}

impl Held {
    /// Which of the judges' rows about to be pushed the hub holds (only their digests are asked
    /// for).
    pub fn read(tx: &mut Transaction<'_>, rows: &JudgeRows) -> Result<Held, postgres::Error> {
        let mut held = |table: &str, digests: Vec<&str>| -> Result<HashSet<String>, postgres::Error> {
            if digests.is_empty() {
                return Ok(HashSet::new());
            }
            tx.query(&format!("SELECT digest FROM crossreview.{table} WHERE digest = ANY($1)"), &[&digests])?
                .iter()
                .map(|r| r.try_get(0))
                .collect()
        };
        Ok(Held {
            judges: held("judges", rows.judges.iter().map(|c| c.digest.as_str()).collect())?,
            scores: held("response_judges", rows.scores.iter().map(|c| c.digest.as_str()).collect())?,
        })
    }
}

/// Writes the judges' rows the hub lacks; returns how many names and scores were added.
pub fn push_in(
    tx: &mut Transaction<'_>,
    rows: &JudgeRows,
    held: &Held,
    chunk: usize,
) -> Result<(u64, u64), postgres::Error> {
    let mut added = (0, 0);
    let judges: Vec<&Carried<String>> =
        rows.judges.iter().filter(|c| !held.judges.contains(&c.digest)).collect();
    for part in judges.chunks(chunk) {
        let names: Vec<&str> = part.iter().map(|c| c.row.as_str()).collect();
        let digests: Vec<&str> = part.iter().map(|c| c.digest.as_str()).collect();
        added.0 += tx.execute(INSERT_JUDGES, &[&names, &digests])?;
    }
    let scores: Vec<&Carried<HubResponseJudge>> =
        rows.scores.iter().filter(|c| !held.scores.contains(&c.digest)).collect();
    for part in scores.chunks(chunk) {
        let col =
            |f: fn(&HubResponseJudge) -> &str| -> Vec<&str> { part.iter().map(|c| f(&c.row)).collect() };
        let digests: Vec<&str> = part.iter().map(|c| c.digest.as_str()).collect();
        added.1 += tx.execute(
            INSERT_SCORES,
            &[
                &col(|r| &r.row.judge),
                &col(|r| &r.row.item_id),
                &col(|r| &r.row.model),
                &col(|r| &r.response_digest),
                &digests,
                &col(|r| &r.row.scores),
                &col(|r| &r.row.rationale),
            ],
        )?;
    }
    Ok(added)
}
