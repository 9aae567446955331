//! The session's tables, and the migrations between versions of them. `PRAGMA user_version`
//! holds the version; a session made by an older crossreview is upgraded on open, step by step.
//! Every table is documented in docs/session-database.md.

use rusqlite::Connection;

/// Each entry upgrades from version `index` to `index + 1`. Never edit a released entry: add one.
const MIGRATIONS: &[&str] = &[
    // 0 -> 1: the first format.
    r#"
    CREATE TABLE meta (
        key   TEXT PRIMARY KEY,
        value TEXT NOT NULL
    );
    CREATE TABLE items (
        seq         INTEGER PRIMARY KEY,
        id          TEXT NOT NULL UNIQUE,
        image       TEXT,
        query       TEXT NOT NULL,
        query_en    TEXT,
        language    TEXT,
        country     TEXT,
        domain      TEXT,
        norm        TEXT,
        meta        TEXT NOT NULL DEFAULT '{}',
        imported_at TEXT NOT NULL
    );
    CREATE TABLE responses (
        seq             INTEGER PRIMARY KEY,
        item_id         TEXT NOT NULL,
        model           TEXT NOT NULL,
        text            TEXT NOT NULL,
        judge           TEXT NOT NULL DEFAULT '{}',
        judge_rationale TEXT NOT NULL DEFAULT '{}',
        UNIQUE (item_id, model)
    );
    CREATE TABLE pairs (
        seq         INTEGER PRIMARY KEY,
        id          TEXT NOT NULL UNIQUE,
        item_id     TEXT,
        prompt      TEXT NOT NULL,
        chosen      TEXT NOT NULL,
        rejected    TEXT NOT NULL,
        images      TEXT NOT NULL DEFAULT '[]',
        meta        TEXT NOT NULL DEFAULT '{}',
        imported_at TEXT NOT NULL
    );
    CREATE TABLE annotators (
        name       TEXT PRIMARY KEY,
        created_at TEXT NOT NULL,
        languages  TEXT NOT NULL DEFAULT ''
    );
    CREATE TABLE events (
        seq           INTEGER PRIMARY KEY,
        uid           TEXT NOT NULL UNIQUE,
        at            TEXT NOT NULL,
        annotator     TEXT NOT NULL,
        task_kind     TEXT NOT NULL CHECK (task_kind IN ('response', 'pair')),
        item_id       TEXT NOT NULL DEFAULT '',
        model         TEXT NOT NULL DEFAULT '',
        pair_id       TEXT NOT NULL DEFAULT '',
        field         TEXT NOT NULL,
        kind          TEXT NOT NULL CHECK (kind IN ('set', 'undo', 'redo')),
        value         INTEGER,
        text          TEXT,
        prev_value    INTEGER,
        prev_text     TEXT,
        ref_uid       TEXT,
        seconds       REAL NOT NULL DEFAULT 0,
        judge_visible INTEGER NOT NULL DEFAULT 1
    );
    CREATE INDEX events_by_key ON events(annotator, task_kind, item_id, model, pair_id, field, at, uid);
    CREATE TABLE current (
        annotator   TEXT NOT NULL,
        task_kind   TEXT NOT NULL,
        item_id     TEXT NOT NULL,
        model       TEXT NOT NULL,
        pair_id     TEXT NOT NULL,
        field       TEXT NOT NULL,
        value       INTEGER,
        text        TEXT,
        blind_value INTEGER,
        seconds     REAL NOT NULL DEFAULT 0,
        at          TEXT NOT NULL,
        uid         TEXT NOT NULL,
        PRIMARY KEY (annotator, task_kind, item_id, model, pair_id, field)
    ) WITHOUT ROWID;
    CREATE VIEW labels AS
        SELECT annotator, task_kind, item_id, model, pair_id, field AS dimension, value,
               blind_value, seconds, at AS labelled_at
        FROM current WHERE field NOT LIKE '@%' AND value IS NOT NULL;
    CREATE VIEW judge_scores AS
        SELECT r.item_id, r.model, j.key AS dimension, j.value AS value
        FROM responses r, json_each(r.judge) j;
    "#,
    // 1 -> 2: adjudicators. Their labels decide disagreements; they are not one more vote, so
    // agreement statistics leave them out.
    r#"
    ALTER TABLE annotators ADD COLUMN role TEXT NOT NULL DEFAULT 'annotator'
        CHECK (role IN ('annotator', 'adjudicator'));
    "#,
    // 2 -> 3: every write asks for the latest event time (to keep its clock ahead of other
    // processes); without an index that was a scan of the whole log per label.
    r#"
    CREATE INDEX events_by_time ON events(at);
    "#,
    // 3 -> 4: opening the TUI reads every item's grouping fields; from this narrow index (in id
    // order, which also lines the items up with the responses' (item_id, model) index) instead
    // of a scan of the whole items table with its texts.
    r#"
    CREATE INDEX items_grouping ON items(id, country, language, domain);
    "#,
    // 4 -> 5: agreement, reports, exports and the adjudication queue read every response's
    // judge scores; in the table they sit after the response text, so reading them meant
    // reading every text (a gigabyte for a million responses). This index holds them apart.
    r#"
    CREATE INDEX responses_judge ON responses(item_id, model, judge);
    "#,
    // 5 -> 6: writer origins. Every writer (one open session in one process) draws a random
    // 128-bit origin and numbers its events `{origin}-{counter}`, so copies of a session never
    // mint the same uid whatever their clocks say. Events written before keep their uid and an
    // empty origin.
    r#"
    ALTER TABLE events ADD COLUMN origin TEXT NOT NULL DEFAULT '';
    "#,
    // 6 -> 7: several named judges per response. `judges` lists them in the order they were
    // first imported (the first is the session's default judge, whose scores `responses.judge`
    // keeps for every older reader); `response_judges` holds each judge's scores and rationales.
    // The scores of an older session become judge `judge`'s.
    r#"
    CREATE TABLE judges (
        seq  INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE
    );
    CREATE TABLE response_judges (
        judge     TEXT NOT NULL,
        item_id   TEXT NOT NULL,
        model     TEXT NOT NULL,
        scores    TEXT NOT NULL DEFAULT '{}',
        rationale TEXT NOT NULL DEFAULT '{}',
        PRIMARY KEY (judge, item_id, model)
    ) WITHOUT ROWID;
    CREATE INDEX response_judges_by_response ON response_judges(item_id, model);
    INSERT INTO judges(name) SELECT 'judge'
        WHERE EXISTS (SELECT 1 FROM responses WHERE judge <> '{}' OR judge_rationale <> '{}');
    INSERT INTO response_judges(judge, item_id, model, scores, rationale)
        SELECT 'judge', item_id, model, judge, judge_rationale FROM responses
        WHERE judge <> '{}' OR judge_rationale <> '{}';
    "#,
    // 7 -> 8: the default judge's scores are kept once, in `responses.judge` and
    // `judge_rationale` (format 7 wrote them into `response_judges` too: a fifth of a large
    // session, and of its import time); `response_judges` holds the other judges'. The view
    // `all_response_judges` shows every judge's rows, as format 7's table held them.
    r#"
    UPDATE responses SET judge = rj.scores, judge_rationale = rj.rationale
        FROM response_judges rj
        WHERE rj.judge = (SELECT name FROM judges ORDER BY seq LIMIT 1)
          AND rj.item_id = responses.item_id AND rj.model = responses.model
          AND (responses.judge IS NOT rj.scores OR responses.judge_rationale IS NOT rj.rationale);
    DELETE FROM response_judges WHERE judge = (SELECT name FROM judges ORDER BY seq LIMIT 1);
    CREATE VIEW all_response_judges AS
        SELECT d.name AS judge, r.item_id AS item_id, r.model AS model, r.judge AS scores,
               r.judge_rationale AS rationale
        FROM (SELECT name FROM judges ORDER BY seq LIMIT 1) AS d, responses r
        WHERE r.judge <> '{}' OR r.judge_rationale <> '{}'
        UNION ALL
        SELECT judge, item_id, model, scores, rationale FROM response_judges;
    "#,
];

pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// Applies every migration after `from`. The caller holds the transaction.
pub fn migrate(conn: &Connection, from: i64) -> rusqlite::Result<()> {
    migrate_between(conn, from, SCHEMA_VERSION)
}

/// Applies the migrations from version `from` up to version `to`.
pub(crate) fn migrate_between(conn: &Connection, from: i64, to: i64) -> rusqlite::Result<()> {
    for (i, sql) in MIGRATIONS.iter().enumerate().take(to as usize).skip(from.max(0) as usize) {
        conn.execute_batch(sql)?;
        conn.pragma_update(None, "user_version", (i + 1) as i64)?;
    }
    Ok(())
}
