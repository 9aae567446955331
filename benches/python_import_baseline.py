#!/usr/bin/env python3
"""Baseline for benches/import.rs: a plain Python import of the same canonical JSONL file into
the same tables, with the same session settings (WAL, synchronous=FULL, one transaction), using
only the standard library (json + sqlite3).

    python3 benches/python_import_baseline.py ITEMS.jsonl SESSION.db

The tables are those of a crossreview session (src/store/schema_sql.rs, first migration) that
an import writes: items and responses (pairs are not in the benchmark file). Like crossreview it
upserts by id and by (item_id, model), and stores judge scores and rationales as JSON text. It
does none of crossreview's checks (unknown keys, schema values, duplicates, image lookup), so it
is a lower bound on what a straightforward Python importer costs.

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


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: python_import_baseline.py ITEMS.jsonl SESSION.db")
    src, db = sys.argv[1], sys.argv[2]
    start = time.perf_counter()
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.executescript(SCHEMA)
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
                conn.execute(
                    "INSERT INTO responses(item_id, model, text, judge, judge_rationale) VALUES (?,?,?,?,?)"
                    " ON CONFLICT(item_id, model) DO UPDATE SET text=excluded.text, judge=excluded.judge,"
                    " judge_rationale=excluded.judge_rationale",
                    (
                        it["id"], r["model"], r["text"],
                        json.dumps(r.get("judge") or {}, ensure_ascii=False),
                        json.dumps(r.get("judge_rationale") or {}, ensure_ascii=False),
                    ),
                )
                responses += 1
    conn.execute("COMMIT")
    conn.close()
    secs = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"RESULT seconds={secs:.3f} items={items} responses={responses} peak_rss_kb={peak}")


if __name__ == "__main__":
    main()
