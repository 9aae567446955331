//! Writing imported records: items with their responses, and pairs, all in one transaction.

use super::{ImportCounts, Store, StoreError, time};
use crate::model::{Item, JudgeScores, Pair};
use rusqlite::{OptionalExtension, TransactionBehavior, params};
use std::time::Duration;

impl Store {
    /// Runs `f` in one `BEGIN IMMEDIATE` transaction: everything it upserts lands together, or,
    /// if it returns an error (`StoreError::InputRejected` when the input is bad), nothing does.
    pub fn import<T>(
        &mut self,
        f: impl FnOnce(&mut Importer<'_>) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let rollback_journal = self.enter_rollback_journal();
        let writeback = super::writeback::Writeback::start(&self.path);
        let result = (|| -> Result<T, StoreError> {
            let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let deferred = defer_indexes(&tx)?;
            let now = time::format_micros(time::now_micros());
            let judges = super::judges::judge_names_in(&tx)?;
            let mut imp = Importer {
                tx: &tx,
                now,
                counts: ImportCounts::default(),
                judge: super::judges::DEFAULT_JUDGE.to_string(),
                judges,
                hot: None,
            };
            let out = f(&mut imp)?;
            drop(imp);
            // Why: what is left are sorts (the deferred indexes), and the parsing thread is
            // done, so SQLite's sorter may use the second core.
            tx.pragma_update(None, "threads", SORTER_THREADS)?;
            for sql in &deferred {
                tx.execute_batch(sql).map_err(|error| StoreError::Step {
                    doing: "rebuilding an index after the import",
                    error,
                })?;
            }
            super::imports_version::bump(&tx)?;
            tx.commit().map_err(|error| StoreError::Step { doing: "committing the import", error })?;
            Ok(out)
        })();
        drop(writeback);
        let _ = self.conn.pragma_update(None, "threads", 0);
        if rollback_journal {
            self.leave_rollback_journal();
        }
        result
    }

    /// Why: in WAL mode every page of an import is written twice (to the WAL, then copied into
    /// the database by the checkpoint), and the WAL index is searched for every page read. A
    /// rollback journal only keeps the pages the import changes that existed before, so new
    /// rows are written once; the transaction is just as atomic (a crash leaves a hot journal
    /// that the next open rolls back). Leaving WAL needs the session to ourselves: when another
    /// process has it open (an annotator at work), this returns false at once and the import
    /// runs in WAL mode as usual.
    fn enter_rollback_journal(&self) -> bool {
        let _ = self.conn.busy_timeout(Duration::ZERO);
        let mode: rusqlite::Result<String> =
            self.conn.pragma_update_and_check(None, "journal_mode", "DELETE", |r| r.get(0));
        let _ = self.conn.busy_timeout(super::BUSY_TIMEOUT);
        matches!(mode, Ok(m) if m.eq_ignore_ascii_case("delete"))
    }

    fn leave_rollback_journal(&self) {
        // Back to WAL, waiting for readers that opened the session meanwhile if need be; every
        // later open sets WAL again in any case (`connect`).
        let _ = self.conn.pragma_update(None, "journal_mode", "WAL");
    }
}

/// Helper threads SQLite's sorter may use for the index sorts at the end of an import.
const SORTER_THREADS: i64 = 2;

/// The secondary indexes an import into an empty session builds after the rows: the two narrow
/// ones that opening the task list reads from start to end, and the judges' scores by response
/// (docs/performance.md).
pub(super) const DEFERRED_INDEXES: [&str; 3] =
    ["items_grouping", "responses_judge", "response_judges_by_response"];

/// Why: maintained row by row during a bulk import, these indexes' pages end up scattered
/// among the table pages (opening a large session from a cold page cache then reads them in
/// random order), and each row costs a descent to a random leaf that has mostly left SQLite's
/// page cache. Into an empty session they are dropped here and built again (by the statements
/// returned, the ones the session holds) once everything is written, by one sort: their pages
/// are then written in order at the end of the file.
fn defer_indexes(tx: &rusqlite::Transaction<'_>) -> rusqlite::Result<Vec<String>> {
    let empty: bool = tx.query_row(
        "SELECT NOT EXISTS (SELECT 1 FROM items) AND NOT EXISTS (SELECT 1 FROM responses)",
        [],
        |r| r.get(0),
    )?;
    if !empty {
        return Ok(Vec::new());
    }
    let mut deferred = Vec::new();
    for name in DEFERRED_INDEXES {
        let sql: Option<String> = tx
            .query_row("SELECT sql FROM sqlite_master WHERE type = 'index' AND name = ?1", [name], |r| {
                r.get(0)
            })
            .optional()?;
        if let Some(sql) = sql {
            tx.execute_batch(&format!("DROP INDEX \"{name}\""))?;
            deferred.push(sql);
        }
    }
    Ok(deferred)
}

/// The JSON text columns of an item: its `meta`, and each response's judge scores and
/// rationales, in the order of `item.responses`.
#[derive(Debug, Clone, Default)]
pub struct ItemJson {
    meta: String,
    responses: Vec<(String, String)>,
}

impl ItemJson {
    pub fn of(item: &Item) -> serde_json::Result<ItemJson> {
        Ok(ItemJson {
            meta: serde_json::to_string(&item.meta)?,
            responses: item
                .responses
                .iter()
                .map(|r| Ok((serde_json::to_string(&r.judge)?, serde_json::to_string(&r.judge_rationale)?)))
                .collect::<serde_json::Result<_>>()?,
        })
    }
}

/// Writes items and pairs inside `Store::import`'s transaction.
pub struct Importer<'a> {
    pub(super) tx: &'a rusqlite::Transaction<'a>,
    now: String,
    counts: ImportCounts,
    /// The judge whose scores the records carry.
    judge: String,
    /// The session's judges in first-import order (the first is the default).
    judges: Vec<String>,
    /// The statements every record runs, prepared at its first use.
    hot: Option<HotStatements<'a>>,
}

/// Why: `prepare_cached` finds a statement by hashing and comparing its SQL text, a few hundred
/// bytes, on every call: about 2 % of a large import's CPU for the two statements each record
/// runs.
struct HotStatements<'a> {
    /// A new item (nothing when the id is taken).
    insert_item: rusqlite::Statement<'a>,
    /// A response with the default judge's scores.
    upsert_response: rusqlite::Statement<'a>,
}

impl<'a> HotStatements<'a> {
    /// The statements in `slot`, prepared on `tx` if not yet.
    fn of<'s>(
        slot: &'s mut Option<HotStatements<'a>>,
        tx: &'a rusqlite::Transaction<'a>,
    ) -> rusqlite::Result<&'s mut HotStatements<'a>> {
        if slot.is_none() {
            *slot = Some(HotStatements {
                insert_item: tx.prepare(
                    "INSERT INTO items(id, image, query, query_en, language, country, domain, norm, meta, imported_at)
                     VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10) ON CONFLICT(id) DO NOTHING",
                )?,
                upsert_response: tx.prepare(
                    "INSERT INTO responses(item_id, model, text, judge, judge_rationale) VALUES (?1,?2,?3,?4,?5)
                     ON CONFLICT(item_id, model) DO UPDATE SET text=excluded.text, judge=excluded.judge,
                       judge_rationale=excluded.judge_rationale",
                )?,
            });
        }
        Ok(slot.as_mut().expect("prepared just above"))
    }
}

impl Importer<'_> {
    /// Names the judge whose scores the records written from now on carry (`judge` unless
    /// named).
    pub fn set_judge(&mut self, name: &str) {
        self.judge = name.to_string();
    }

    /// Whether the records' judge is the session's default one (or the session has none yet,
    /// so it will be), whose scores `responses.judge` keeps.
    fn judge_is_default(&self) -> bool {
        self.judges.first().is_none_or(|first| *first == self.judge)
    }

    /// Registers the records' judge in `judges` the first time it scores something.
    fn register_judge(&mut self) -> rusqlite::Result<()> {
        if self.judges.contains(&self.judge) {
            return Ok(());
        }
        let name = self.judge.clone();
        self.register(&name)
    }

    fn register(&mut self, name: &str) -> rusqlite::Result<()> {
        if !self.judges.iter().any(|j| j == name) {
            self.tx.prepare_cached("INSERT OR IGNORE INTO judges(name) VALUES (?1)")?.execute([name])?;
            self.judges.push(name.to_string());
        }
        Ok(())
    }

    /// Writes a further named judge's scores of a response (canonical `judges`), after the
    /// response itself: the default judge's into `responses.judge`, another's into
    /// `response_judges`.
    fn write_named_judge(
        &mut self,
        item_id: &str,
        model: &str,
        name: &str,
        s: &JudgeScores,
    ) -> Result<(), StoreError> {
        if s.scores.is_empty() && s.rationale.is_empty() {
            return Ok(());
        }
        let (scores, rationale) = (serde_json::to_string(&s.scores)?, serde_json::to_string(&s.rationale)?);
        self.register(name)?;
        let is_default = self.judges.first().is_some_and(|first| first == name);
        super::judges::write_scores(self.tx, is_default, name, (item_id, model), &scores, &rationale)?;
        Ok(())
    }

    /// Refuses a response whose text differs from the one in the session when another judge
    /// scored that one.
    fn check_text(&self, item_id: &str, model: &str, text: &str) -> Result<(), StoreError> {
        let old: Option<String> = self
            .tx
            .prepare_cached("SELECT text FROM responses WHERE item_id = ?1 AND model = ?2")?
            .query_row(params![item_id, model], |r| r.get(0))
            .optional()?;
        if old.is_none_or(|old| old == text) {
            return Ok(());
        }
        let others: Vec<String> = self
            .tx
            .prepare_cached(
                "SELECT judge FROM all_response_judges WHERE item_id = ?1 AND model = ?2 AND judge <> ?3
                 ORDER BY judge",
            )?
            .query_map(params![item_id, model, self.judge], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        if others.is_empty() {
            return Ok(());
        }
        Err(StoreError::ResponseTextDiffers(super::judges::ResponseTextDiffers {
            item_id: item_id.to_string(),
            model: model.to_string(),
            judges: others,
        }))
    }

    /// Inserts or updates an item. Its responses are upserted by (item, model): responses of
    /// other models already in the session stay, and no label is touched.
    pub fn upsert_item(&mut self, item: &Item) -> Result<(), StoreError> {
        self.upsert_item_with(item, &ItemJson::of(item)?)
    }

    /// As `upsert_item`, with the item's JSON columns already written out (`ItemJson::of`), so
    /// that a parsing thread can do that part.
    pub fn upsert_item_with(&mut self, item: &Item, json: &ItemJson) -> Result<(), StoreError> {
        if json.responses.len() != item.responses.len() {
            return Err(StoreError::MismatchedItemJson { item_id: item.id.clone() });
        }
        // Insert first and update only when the id is taken: one lookup of the id per new item
        // (the common case of a large import) instead of a check and then an upsert.
        let columns = params![
            item.id,
            item.image,
            item.query,
            item.query_en,
            item.language,
            item.country,
            item.domain,
            item.norm,
            json.meta,
            self.now
        ];
        let inserted = HotStatements::of(&mut self.hot, self.tx)?.insert_item.execute(columns)?;
        let existed = inserted == 0;
        if existed {
            self.tx
                .prepare_cached(
                    "UPDATE items SET image = ?2, query = ?3, query_en = ?4, language = ?5, country = ?6,
                       domain = ?7, norm = ?8, meta = ?9, imported_at = ?10 WHERE id = ?1",
                )?
                .execute(columns)?;
            self.counts.items_updated += 1;
        } else {
            self.counts.items_new += 1;
        }
        for (r, (judge, rationale)) in item.responses.iter().zip(&json.responses) {
            let scored = !r.judge.is_empty() || !r.judge_rationale.is_empty();
            // Only a session with several judges (or gaining one) can pair a judge's scores
            // with another text; a session of one judge is re-imported as it always was.
            if self.judges.len() > 1 || !self.judge_is_default() || !r.judges.is_empty() {
                self.check_text(&item.id, &r.model, &r.text)?;
            }
            if scored {
                self.register_judge()?;
            }
            if self.judge_is_default() {
                HotStatements::of(&mut self.hot, self.tx)?
                    .upsert_response
                    .execute(params![item.id, r.model, r.text, judge, rationale])?;
            } else {
                // Another judge's scores: the default judge's stay in `responses`.
                self.tx
                    .prepare_cached(
                        "INSERT INTO responses(item_id, model, text) VALUES (?1,?2,?3)
                         ON CONFLICT(item_id, model) DO UPDATE SET text=excluded.text",
                    )?
                    .execute(params![item.id, r.model, r.text])?;
            }
            // The default judge's scores went into `responses` with the response.
            if scored && !self.judge_is_default() {
                super::judges::write_scores(
                    self.tx,
                    false,
                    &self.judge,
                    (&item.id, &r.model),
                    judge,
                    rationale,
                )?;
            }
            for (name, scores) in &r.judges {
                self.write_named_judge(&item.id, &r.model, name, scores)?;
            }
            self.counts.responses += 1;
        }
        Ok(())
    }

    pub fn upsert_pair(&mut self, pair: &Pair) -> Result<(), StoreError> {
        let existed: bool = self
            .tx
            .prepare_cached("SELECT EXISTS(SELECT 1 FROM pairs WHERE id = ?1)")?
            .query_row([&pair.id], |r| r.get(0))?;
        self.tx
            .prepare_cached(
                "INSERT INTO pairs(id, item_id, prompt, chosen, rejected, images, meta, imported_at)
                 VALUES (?1,?2,?3,?4,?5,?6,?7,?8)
                 ON CONFLICT(id) DO UPDATE SET item_id=excluded.item_id, prompt=excluded.prompt,
                   chosen=excluded.chosen, rejected=excluded.rejected, images=excluded.images,
                   meta=excluded.meta, imported_at=excluded.imported_at",
            )?
            .execute(params![
                pair.id,
                pair.item_id,
                serde_json::to_string(&pair.prompt)?,
                serde_json::to_string(&pair.chosen)?,
                serde_json::to_string(&pair.rejected)?,
                serde_json::to_string(&pair.images)?,
                serde_json::to_string(&pair.meta)?,
                self.now
            ])?;
        if existed {
            self.counts.pairs_updated += 1;
        } else {
            self.counts.pairs_new += 1;
        }
        Ok(())
    }

    /// What has been written so far in this import.
    pub fn counts(&self) -> ImportCounts {
        self.counts
    }
}

#[cfg(test)]
mod tests {
    use super::DEFERRED_INDEXES;
    use crate::model::{Item, JudgeScores, Rationale, Response};
    use crate::schema::Schema;
    use crate::store::Store;
    use crate::store::StoreError;

    fn item(id: &str) -> Item {
        Item {
            id: id.into(),
            query: format!("May I do {id} here?"),
            responses: vec![Response {
                model: "m1".into(),
                text: "It depends.".into(),
                ..Default::default()
            }],
            ..Default::default()
        }
    }

    fn index_sql(s: &Store) -> Vec<Option<String>> {
        DEFERRED_INDEXES
            .iter()
            .map(|name| {
                s.conn()
                    .query_row(
                        "SELECT sql FROM sqlite_master WHERE type = 'index' AND name = ?1",
                        [name],
                        |r| r.get(0),
                    )
                    .ok()
            })
            .collect()
    }

    fn scored(id: &str, models: &[&str], score: i64, rationale: bool) -> Item {
        let mut it = item(id);
        it.responses = models
            .iter()
            .map(|m| Response {
                model: m.to_string(),
                text: format!("{m} answers {id}."),
                judge: [("compliance".to_string(), score)].into(),
                judge_rationale: if rationale {
                    [("compliance".to_string(), Rationale::from(format!("because {id}")))].into()
                } else {
                    Default::default()
                },
                ..Default::default()
            })
            .collect();
        it
    }

    fn judge_rows(s: &Store, skip_item: &str) -> Vec<(String, String, String, String, String)> {
        let mut stmt = s
            .conn()
            .prepare(
                "SELECT judge, item_id, model, scores, rationale FROM all_response_judges
                 WHERE item_id <> ?1 ORDER BY judge, item_id, model",
            )
            .unwrap();
        stmt.query_map([skip_item], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap()
    }

    /// The records of one import: scored, unscored, rationale only, an item written twice
    /// (scored, then not; and the other way round), then, when `named`, a response that brings
    /// another judge's scores (from which rows are written one by one), and more after it.
    fn records(named: bool) -> Vec<Item> {
        let mut v = vec![
            scored("b", &["m1", "m2"], 1, true),
            item("a"),
            scored("c", &["m1"], 0, false),
            scored("d", &["m1"], 1, true),
            item("d"),
            item("e"),
            scored("e", &["m2"], 1, false),
        ];
        let mut rationale_only = item("f");
        rationale_only.responses[0].judge_rationale =
            [("awareness".to_string(), Rationale::from("why"))].into();
        v.push(rationale_only);
        if named {
            let mut other = scored("g", &["m1"], 1, true);
            other.responses[0].judges = [(
                "second".to_string(),
                JudgeScores { scores: [("compliance".to_string(), 0)].into(), ..Default::default() },
            )]
            .into();
            v.push(other);
        }
        v.push(scored("h", &["m3"], 0, true));
        v.push(scored("b", &["m3"], 1, false));
        v
    }

    /// Every judge's rows are the same whether the import goes into an empty session (its
    /// indexes built at the end) or into one that already held something, whoever the default
    /// judge is; the default judge's are kept in `responses` only.
    #[test]
    fn judge_rows_of_a_bulk_import_match_those_of_an_import_into_a_held_session() {
        for named in [false, true] {
            for judge in [None, Some("gpt-judge")] {
                let dir = tempfile::tempdir().unwrap();
                let schema = Schema::cross_eval();
                let mut empty = Store::create(&dir.path().join("empty.db"), &schema, false).unwrap();
                let mut held = Store::create(&dir.path().join("held.db"), &schema, false).unwrap();
                held.import(|imp| {
                    judge.inspect(|j| imp.set_judge(j));
                    imp.upsert_item(&scored("held", &["m1"], 1, true))
                })
                .unwrap();
                for s in [&mut empty, &mut held] {
                    s.import(|imp| {
                        judge.inspect(|j| imp.set_judge(j));
                        records(named).iter().try_for_each(|it| imp.upsert_item(it))
                    })
                    .unwrap();
                }
                let rows = judge_rows(&empty, "held");
                assert_eq!(rows, judge_rows(&held, "held"), "named {named}, judge {judge:?}");
                let default = judge.unwrap_or("judge");
                assert!(rows.iter().any(|r| r.0 == default && r.1 == "b" && r.2 == "m3"), "{rows:?}");
                assert!(!rows.iter().any(|r| r.1 == "d"), "{rows:?}");
                assert_eq!(rows.iter().any(|r| r.0 == "second"), named);
                for s in [&empty, &held] {
                    let stored: i64 = s
                        .conn()
                        .query_row("SELECT count(*) FROM response_judges WHERE judge = ?1", [default], |r| {
                            r.get(0)
                        })
                        .unwrap();
                    assert_eq!(stored, 0, "the default judge's scores are in `responses` only");
                }
            }
        }
    }

    /// The indexes dropped for an import into an empty session come back as they were, whether
    /// the import succeeds or fails, and the task list (which reads them by name) still opens.
    #[test]
    fn indexes_deferred_by_a_bulk_import_are_back_after_it() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = Store::create(&dir.path().join("s.db"), &Schema::cross_eval(), false).unwrap();
        let before = index_sql(&s);
        assert!(before.iter().all(Option::is_some), "{before:?}");
        let failed: Result<(), StoreError> = s.import(|imp| {
            imp.upsert_item(&item("a"))?;
            Err(StoreError::InputRejected)
        });
        assert!(failed.is_err());
        assert_eq!(index_sql(&s), before);
        s.import(|imp| (0..50).try_for_each(|i| imp.upsert_item(&item(&format!("it{i:02}"))))).unwrap();
        assert_eq!(index_sql(&s), before);
        s.import(|imp| imp.upsert_item(&item("later"))).unwrap();
        assert_eq!(index_sql(&s), before);
        let n: i64 = s
            .conn()
            .query_row(
                "SELECT count(*) FROM responses INDEXED BY responses_judge WHERE item_id >= ''",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(n, 51);
        assert_eq!(s.task_index().unwrap().len(), 51);
    }
}
