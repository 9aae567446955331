//! The hub's tables (docs/hub.md). They live in the PostgreSQL schema `crossreview` of the
//! hub's database; one database holds one study. Every row carries `hub_seq`, drawn from one
//! sequence while the writer holds the hub's write lock, so rows become visible in `hub_seq`
//! order and "every row after N" is a safe cursor.

/// Taken (as a transaction-level advisory lock) by every transaction that writes the hub.
pub const WRITE_LOCK: i64 = 0x6372_6f73_7372_7676; // "crossrvv"

pub const CREATE: &str = "
CREATE SCHEMA crossreview;
CREATE SEQUENCE crossreview.hub_seq;
CREATE TABLE crossreview.study (
    one          boolean PRIMARY KEY DEFAULT true CHECK (one),
    hub_id       text NOT NULL,
    study_id     text NOT NULL,
    label_schema text NOT NULL,
    created_at   text NOT NULL,
    created_by   text NOT NULL
);
CREATE TABLE crossreview.items (
    hub_seq     bigint NOT NULL DEFAULT nextval('crossreview.hub_seq'),
    id          text NOT NULL,
    digest      text NOT NULL,
    image       text,
    query       text NOT NULL,
    query_en    text,
    language    text,
    country     text,
    domain      text,
    norm        text,
    meta        text NOT NULL,
    imported_at text NOT NULL,
    PRIMARY KEY (digest)
);
CREATE TABLE crossreview.responses (
    hub_seq         bigint NOT NULL DEFAULT nextval('crossreview.hub_seq'),
    item_id         text NOT NULL,
    model           text NOT NULL,
    item_digest     text NOT NULL,
    digest          text NOT NULL,
    text            text NOT NULL,
    judge           text NOT NULL,
    judge_rationale text NOT NULL,
    PRIMARY KEY (digest)
);
CREATE TABLE crossreview.pairs (
    hub_seq     bigint NOT NULL DEFAULT nextval('crossreview.hub_seq'),
    id          text NOT NULL,
    digest      text NOT NULL,
    item_id     text,
    prompt      text NOT NULL,
    chosen      text NOT NULL,
    rejected    text NOT NULL,
    images      text NOT NULL,
    meta        text NOT NULL,
    imported_at text NOT NULL,
    PRIMARY KEY (digest)
);
CREATE TABLE crossreview.annotators (
    hub_seq    bigint NOT NULL DEFAULT nextval('crossreview.hub_seq'),
    name       text NOT NULL,
    digest     text NOT NULL,
    created_at text NOT NULL,
    languages  text NOT NULL,
    role       text NOT NULL,
    PRIMARY KEY (digest)
);
CREATE TABLE crossreview.events (
    hub_seq       bigint NOT NULL DEFAULT nextval('crossreview.hub_seq'),
    uid           text NOT NULL,
    digest        text NOT NULL,
    at            text NOT NULL,
    annotator     text NOT NULL,
    task_kind     text NOT NULL,
    item_id       text NOT NULL,
    model         text NOT NULL,
    pair_id       text NOT NULL,
    field         text NOT NULL,
    kind          text NOT NULL,
    value         bigint,
    text          text,
    prev_value    bigint,
    prev_text     text,
    ref_uid       text,
    seconds       double precision NOT NULL,
    judge_visible bigint NOT NULL,
    origin        text NOT NULL,
    PRIMARY KEY (uid, digest)
);
CREATE INDEX items_by_seq ON crossreview.items (hub_seq);
CREATE INDEX responses_by_seq ON crossreview.responses (hub_seq);
CREATE INDEX pairs_by_seq ON crossreview.pairs (hub_seq);
CREATE INDEX annotators_by_seq ON crossreview.annotators (hub_seq);
CREATE INDEX events_by_seq ON crossreview.events (hub_seq);
";

/// The role whose members may push anything (imports, adjudication, other people's labels).
pub const LEAD_ROLE: &str = "crossreview_lead";

/// Who may write what: everyone who may connect reads everything; an annotator (a database role
/// named like the annotator) may add only their own labels and annotator row; items, responses
/// and pairs, and anyone's labels, only members of `crossreview_lead`. The owner of the tables
/// (whoever ran `hub init`) is not bound by these rules.
pub const SECURITY: &str = "
ALTER TABLE crossreview.events ENABLE ROW LEVEL SECURITY;
ALTER TABLE crossreview.annotators ENABLE ROW LEVEL SECURITY;
ALTER TABLE crossreview.items ENABLE ROW LEVEL SECURITY;
ALTER TABLE crossreview.responses ENABLE ROW LEVEL SECURITY;
ALTER TABLE crossreview.pairs ENABLE ROW LEVEL SECURITY;
CREATE POLICY everyone_reads ON crossreview.events FOR SELECT USING (true);
CREATE POLICY everyone_reads ON crossreview.annotators FOR SELECT USING (true);
CREATE POLICY everyone_reads ON crossreview.items FOR SELECT USING (true);
CREATE POLICY everyone_reads ON crossreview.responses FOR SELECT USING (true);
CREATE POLICY everyone_reads ON crossreview.pairs FOR SELECT USING (true);
CREATE POLICY own_labels ON crossreview.events FOR INSERT
    WITH CHECK (annotator = current_user OR pg_has_role('crossreview_lead', 'MEMBER'));
CREATE POLICY own_name ON crossreview.annotators FOR INSERT
    WITH CHECK (name = current_user OR pg_has_role('crossreview_lead', 'MEMBER'));
CREATE POLICY lead_imports ON crossreview.items FOR INSERT WITH CHECK (pg_has_role('crossreview_lead', 'MEMBER'));
CREATE POLICY lead_imports ON crossreview.responses FOR INSERT WITH CHECK (pg_has_role('crossreview_lead', 'MEMBER'));
CREATE POLICY lead_imports ON crossreview.pairs FOR INSERT WITH CHECK (pg_has_role('crossreview_lead', 'MEMBER'));
";

/// The events among those named (uids) that the hub holds, as `uid digest`.
pub const HELD_EVENTS: &str = "SELECT uid || ' ' || digest FROM crossreview.events WHERE uid = ANY($1)";

/// The largest `hub_seq` of any row (0 on an empty hub).
pub const MAX_SEQ: &str = "SELECT GREATEST(
    (SELECT max(hub_seq) FROM crossreview.items), (SELECT max(hub_seq) FROM crossreview.responses),
    (SELECT max(hub_seq) FROM crossreview.pairs), (SELECT max(hub_seq) FROM crossreview.annotators),
    (SELECT max(hub_seq) FROM crossreview.events), 0)";

pub const INSERT_ITEMS: &str = "INSERT INTO crossreview.items
    (id, digest, image, query, query_en, language, country, domain, norm, meta, imported_at)
    SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[],
        $7::text[], $8::text[], $9::text[], $10::text[], $11::text[])
    ON CONFLICT DO NOTHING";

pub const INSERT_RESPONSES: &str = "INSERT INTO crossreview.responses
    (item_id, model, item_digest, digest, text, judge, judge_rationale)
    SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[])
    ON CONFLICT DO NOTHING";

pub const INSERT_PAIRS: &str = "INSERT INTO crossreview.pairs
    (id, digest, item_id, prompt, chosen, rejected, images, meta, imported_at)
    SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[],
        $7::text[], $8::text[], $9::text[])
    ON CONFLICT DO NOTHING";

pub const INSERT_ANNOTATORS: &str = "INSERT INTO crossreview.annotators
    (name, digest, created_at, languages, role)
    SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[])
    ON CONFLICT DO NOTHING";

pub const INSERT_EVENTS: &str = "INSERT INTO crossreview.events
    (uid, digest, at, annotator, task_kind, item_id, model, pair_id, field, kind, value, text,
     prev_value, prev_text, ref_uid, seconds, judge_visible, origin)
    SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[],
        $7::text[], $8::text[], $9::text[], $10::text[], $11::int8[], $12::text[], $13::int8[],
        $14::text[], $15::text[], $16::float8[], $17::int8[], $18::text[])
    ON CONFLICT DO NOTHING";

pub const SELECT_ITEMS: &str =
    "SELECT hub_seq, id, digest, image, query, query_en, language, country, domain,
    norm, meta, imported_at FROM crossreview.items WHERE hub_seq > $1 OR digest = ANY($2) ORDER BY hub_seq";
pub const SELECT_RESPONSES: &str = "SELECT hub_seq, item_id, model, item_digest, digest, text, judge,
    judge_rationale FROM crossreview.responses WHERE hub_seq > $1 ORDER BY hub_seq";
pub const SELECT_PAIRS: &str = "SELECT hub_seq, id, digest, item_id, prompt, chosen, rejected, images, meta,
    imported_at FROM crossreview.pairs WHERE hub_seq > $1 ORDER BY hub_seq";
pub const SELECT_ANNOTATORS: &str = "SELECT hub_seq, name, digest, created_at, languages, role
    FROM crossreview.annotators WHERE hub_seq > $1 ORDER BY hub_seq";
pub const SELECT_EVENTS: &str =
    "SELECT hub_seq, uid, digest, at, annotator, task_kind, item_id, model, pair_id,
    field, kind, value, text, prev_value, prev_text, ref_uid, seconds, judge_visible, origin
    FROM crossreview.events WHERE hub_seq > $1 ORDER BY hub_seq";
