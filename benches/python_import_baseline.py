#!/usr/bin/env python3
"""Baseline for benches/import.rs: a plain Python import of the same canonical JSONL file into
the same tables, with the same session settings (WAL, synchronous=FULL, one transaction), using
only the standard library (json + sqlite3).

    python3 benches/python_import_baseline.py [--tables session|two] ITEMS.jsonl SESSION.db

--tables session (the default) writes what `crossreview import` writes into a session
(src/store/tables_sql.rs): items, responses (with the default judge's scores, which a session
of format 8 keeps there only), the judge's name (`judges`; `response_judges` is created and
stays empty: it holds further judges' scores), and the session's indexes (`items_grouping`,
`responses_judge`, `response_judges_by_response`), created with the tables as a plain importer
would. --tables two writes items and responses only, with their unique keys: the baseline of
earlier figures.

Like crossreview it upserts by id and by (item_id, model), and stores judge scores and rationales
as JSON text. It does none of crossreview's checks (unknown keys, schema values, duplicates,
image lookup), so it is a lower bound on what a straightforward Python importer costs.

Prints one line: RESULT seconds=S items=N responses=R peak_rss_kb=K
"""
import json
import resource
import sqlite3
import sys
import time
from datetime import datetime, timezone

SCHEMA = """
CREATE TABLE IF NOT EXISTS items (
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
CREATE TABLE IF NOT EXISTS responses (
    seq             INTEGER PRIMARY KEY,
    item_id         TEXT NOT NULL,
    model           TEXT NOT NULL,
    text            TEXT NOT NULL,
    judge           TEXT NOT NULL DEFAULT '{}',
    judge_rationale TEXT NOT NULL DEFAULT '{}',
    UNIQUE (item_id, model)
);
"""

# What a session has besides: its judges, each judge's scores, and the indexes the task list,
# agreement and reports read (src/store/tables_sql.rs, formats 4, 5, 7 and 8).
SESSION_SCHEMA = """
CREATE TABLE IF NOT EXISTS judges (
    seq  INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE
);
CREATE TABLE IF NOT EXISTS response_judges (
    judge     TEXT NOT NULL,
    item_id   TEXT NOT NULL,
    model     TEXT NOT NULL,
    scores    TEXT NOT NULL DEFAULT '{}',
    rationale TEXT NOT NULL DEFAULT '{}',
    PRIMARY KEY (judge, item_id, model)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS response_judges_by_response ON response_judges(item_id, model);
CREATE INDEX IF NOT EXISTS items_grouping ON items(id, country, language, domain);
CREATE INDEX IF NOT EXISTS responses_judge ON responses(item_id, model, judge);
"""


def main():
    args = sys.argv[1:]
    tables = "session"
    if len(args) == 4 and args[0] == "--tables" and args[1] in ("session", "two"):
        tables, args = args[1], args[2:]
    if len(args) != 2:
        sys.exit("usage: python_import_baseline.py [--tables session|two] ITEMS.jsonl SESSION.db")
    src, db = args
    session = tables == "session"
    start = time.perf_counter()
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.executescript(SCHEMA)
    if session:
        conn.executescript(SESSION_SCHEMA)
    judge_known = False
    now = datetime.now(timezone.utc).isoformat()
    items = responses = 0
    conn.execute("BEGIN IMMEDIATE")
    with open(src, encoding="utf-8-sig") as f:
        for line in f:
            if not line.strip():
                continue
            it = json.loads(line)
            conn.execute(
                "INSERT INTO items(id, image, query, query_en, language, country, domain, norm, meta, imported_at)"
                " VALUES (?,?,?,?,?,?,?,?,?,?)"
                " ON CONFLICT(id) DO UPDATE SET image=excluded.image, query=excluded.query,"
                " query_en=excluded.query_en, language=excluded.language, country=excluded.country,"
                " domain=excluded.domain, norm=excluded.norm, meta=excluded.meta, imported_at=excluded.imported_at",
                (
                    it["id"], it.get("image"), it["query"], it.get("query_en"), it.get("language"),
                    it.get("country"), it.get("domain"), it.get("norm"),
                    json.dumps(it.get("meta") or {}, ensure_ascii=False), now,
                ),
            )
            items += 1
            for r in it.get("responses") or []:
                scores = json.dumps(r.get("judge") or {}, ensure_ascii=False)
                rationale = json.dumps(r.get("judge_rationale") or {}, ensure_ascii=False)
                conn.execute(
                    "INSERT INTO responses(item_id, model, text, judge, judge_rationale) VALUES (?,?,?,?,?)"
                    " ON CONFLICT(item_id, model) DO UPDATE SET text=excluded.text, judge=excluded.judge,"
                    " judge_rationale=excluded.judge_rationale",
                    (it["id"], r["model"], r["text"], scores, rationale),
                )
                if session and not judge_known and (r.get("judge") or r.get("judge_rationale")):
                    conn.execute("INSERT OR IGNORE INTO judges(name) VALUES ('judge')")
                    judge_known = True
                responses += 1
    conn.execute("COMMIT")
    conn.close()
    secs = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"RESULT seconds={secs:.3f} items={items} responses={responses} peak_rss_kb={peak}")


if __name__ == "__main__":
    main()
