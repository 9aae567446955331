//! The task index: every task compactly, for the task list, filters, sampling and the
//! grouping of agreement and reports (the response tasks read fast enough for large sessions).

use super::reads::json_col;
use super::{ResponseInfo, Shared, Store, TaskInfo};
use crate::model::{TaskRef, Value};
use std::collections::{BTreeMap, HashSet};

impl Store {
    /// Every task (responses in import order, then pairs), compactly.
    pub fn task_index(&self) -> rusqlite::Result<Vec<TaskInfo>> {
        let dims = self.schema.dimension_names();
        let mut out = Vec::new();
        let mut st = self.conn.prepare_cached(
            "SELECT r.item_id, r.model, i.country, i.language, i.domain, r.judge
             FROM responses r JOIN items i ON i.id = r.item_id ORDER BY i.seq, r.seq",
        )?;
        let mut rows = st.query([])?;
        while let Some(r) = rows.next()? {
            let item_id: String = r.get(0)?;
            let model: String = r.get(1)?;
            let judge_json: String = r.get(5)?;
            let judge = if judge_json == "{}" {
                vec![None; dims.len()]
            } else {
                let map: BTreeMap<String, Value> = json_col(judge_json);
                dims.iter().map(|d| map.get(d).copied()).collect()
            };
            out.push(TaskInfo {
                task: TaskRef::Response { item_id: item_id.clone(), model: model.clone() },
                item_id: item_id.into(),
                model: model.into(),
                country: r.get::<_, Option<String>>(2)?.map(Into::into),
                language: r.get::<_, Option<String>>(3)?.map(Into::into),
                domain: r.get::<_, Option<String>>(4)?.map(Into::into),
                judge,
            });
        }
        let mut st = self.conn.prepare_cached(
            "SELECT p.id, p.item_id, i.country, i.language, i.domain
             FROM pairs p LEFT JOIN items i ON i.id = p.item_id ORDER BY p.seq",
        )?;
        let mut rows = st.query([])?;
        while let Some(r) = rows.next()? {
            let pair_id: String = r.get(0)?;
            out.push(TaskInfo {
                task: TaskRef::Pair { pair_id },
                item_id: r.get::<_, Option<String>>(1)?.unwrap_or_default().into(),
                model: "".into(),
                country: r.get::<_, Option<String>>(2)?.map(Into::into),
                language: r.get::<_, Option<String>>(3)?.map(Into::into),
                domain: r.get::<_, Option<String>>(4)?.map(Into::into),
                judge: Vec::new(),
            });
        }
        Ok(out)
    }

    /// Every response with its grouping fields and judge scores, in import order.
    pub fn response_index(&self) -> rusqlite::Result<Vec<ResponseInfo>> {
        // The task index's fast read (narrow indexes, no response texts), reshaped.
        let dims: Vec<Shared> = self.schema.dimension_names().into_iter().map(Shared::from).collect();
        Ok(self
            .response_task_index()?
            .into_iter()
            .map(|t| ResponseInfo {
                item_id: t.item_id,
                model: t.model,
                country: t.country,
                language: t.language,
                domain: t.domain,
                judge: dims.iter().zip(t.judge).filter_map(|(d, v)| Some((d.clone(), v?))).collect(),
            })
            .collect())
    }

    /// The response tasks of `task_index()`, in the same order (item import order, then
    /// response import order), read fast enough to open a 300,000-response session at once:
    /// two sequential table scans instead of a sorted join, and the judge's values taken out of
    /// their JSON by SQLite.
    pub fn response_task_index(&self) -> rusqlite::Result<Vec<TaskInfo>> {
        self.response_tasks(true)
    }

    /// [`Store::response_task_index`] without the judge's values (`judge` is empty): the
    /// responses are then read from the `responses_judge` index alone, without touching the
    /// response texts or decoding the judge's JSON, which is several times faster on a large
    /// session. The judge's values of a task are in its item (`Store::item`) when it is shown.
    pub fn response_task_index_without_judge(&self) -> rusqlite::Result<Vec<TaskInfo>> {
        self.response_tasks(false)
    }

    fn response_tasks(&self, with_judge: bool) -> rusqlite::Result<Vec<TaskInfo>> {
        // Each distinct string once: items' grouping fields and models repeat across tasks.
        let mut interned: HashSet<Shared> = HashSet::new();
        let mut intern = |s: Option<&str>| -> Option<Shared> {
            let s = s?;
            if let Some(x) = interned.get(s) {
                return Some(x.clone());
            }
            let x: Shared = s.into();
            interned.insert(x.clone());
            Some(x)
        };
        struct ItemRow {
            seq: i64,
            id: Shared,
            country: Option<Shared>,
            language: Option<Shared>,
            domain: Option<Shared>,
        }
        // Items in id order, from the narrow `items_grouping` index (not the table and its texts).
        let mut items: Vec<ItemRow> = Vec::new();
        let mut st = self.conn().prepare(ITEMS_SQL)?;
        let mut rows = st.query([])?;
        while let Some(r) = rows.next()? {
            items.push(ItemRow {
                seq: r.get(0)?,
                id: r.get_ref(1)?.as_str()?.into(),
                country: intern(r.get_ref(2)?.as_str_or_null()?),
                language: intern(r.get_ref(3)?.as_str_or_null()?),
                domain: intern(r.get_ref(4)?.as_str_or_null()?),
            });
        }
        drop(rows);
        drop(st);

        // Each response as (its item's place in `items`, its seq, its model, the judge's values),
        // read from an index in item id order (the judge's values from `responses_judge`, which
        // holds them apart from the response texts) and walked beside the items, which are in
        // the same order: a merge join, no hashing.
        struct Row {
            item: u32,
            seq: i64,
            model: Shared,
            judge: Vec<Option<Value>>,
        }
        let dims = if with_judge { self.schema().dimension_names() } else { Vec::new() };
        let sql = responses_sql(dims.len());
        let paths: Vec<String> = dims.iter().map(|d| format!("$.\"{d}\"")).collect();
        let mut found: Vec<Row> = Vec::new();
        let mut st = self.conn().prepare(&sql)?;
        let mut rows = st.query(rusqlite::params_from_iter(paths.iter()))?;
        let mut k = 0usize;
        while let Some(r) = rows.next()? {
            let item_id = r.get_ref(0)?.as_str()?;
            while k < items.len() && &*items[k].id < item_id {
                k += 1;
            }
            if k == items.len() || &*items[k].id != item_id {
                continue; // a response whose item is gone
            }
            let Some(model) = intern(Some(r.get_ref(1)?.as_str()?)) else { continue };
            let judge: Vec<Option<Value>> =
                (0..dims.len()).map(|j| r.get::<_, Option<Value>>(j + 3)).collect::<rusqlite::Result<_>>()?;
            found.push(Row { item: k as u32, seq: r.get(2)?, model, judge });
        }
        drop(rows);
        drop(st);
        // Import order: by item seq, then response seq. Sorted as small rows, then built.
        found.sort_unstable_by_key(|r| (items[r.item as usize].seq, r.seq));
        Ok(found
            .into_iter()
            .map(|r| {
                let item = &items[r.item as usize];
                TaskInfo {
                    task: TaskRef::Response { item_id: item.id.to_string(), model: r.model.to_string() },
                    item_id: item.id.clone(),
                    model: r.model,
                    country: item.country.clone(),
                    language: item.language.clone(),
                    domain: item.domain.clone(),
                    judge: r.judge,
                }
            })
            .collect())
    }
}

/// Every item's grouping fields, in id order.
const ITEMS_SQL: &str =
    "SELECT seq, id, country, language, domain FROM items INDEXED BY items_grouping ORDER BY id";

/// Every response's item id, model and seq in (item id, model) order, and the judge's value of
/// each of `dims` dimensions (bound as JSON paths `?1`…). Read from `responses_judge` even with
/// no dimension, not from the smaller `(item_id, model)` key index: an import into an empty
/// session builds `responses_judge` after the rows, so its pages lie in order and a cold open
/// reads them sequentially, where the key index's pages are scattered over the whole file
/// (docs/performance.md).
fn responses_sql(dims: usize) -> String {
    let extract: String = (0..dims).map(|k| format!(", json_extract(judge, ?{})", k + 1)).collect();
    format!(
        "SELECT item_id, model, seq{extract} FROM responses INDEXED BY responses_judge ORDER BY item_id, model"
    )
}

#[cfg(test)]
mod tests {
    use crate::model::{Item, Response};
    use crate::schema::Schema;
    use crate::store::Store;

    #[test]
    fn same_as_the_task_index() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::create(&dir.path().join("s.db"), &Schema::cross_eval(), false).unwrap();
        let mk = |id: &str, models: &[&str], country: &str| Item {
            id: id.into(),
            query: "q".into(),
            country: Some(country.into()),
            responses: models
                .iter()
                .enumerate()
                .map(|(k, m)| Response {
                    model: m.to_string(),
                    text: "t".into(),
                    judge: if k == 0 {
                        [("compliance".to_string(), 0)].into_iter().collect()
                    } else {
                        Default::default()
                    },
                    ..Default::default()
                })
                .collect(),
            ..Default::default()
        };
        store
            .import(|imp| {
                imp.upsert_item(&mk("b", &["m2", "m1"], "Japan"))?;
                imp.upsert_item(&mk("a", &["m1"], "China"))?;
                imp.upsert_item(&mk("empty", &[], "Iran"))?;
                Ok(())
            })
            .unwrap();
        // A later import adds a response to the first item: it stays with its item.
        store.import(|imp| imp.upsert_item(&mk("b", &["m2", "m1", "m3"], "Japan"))).unwrap();
        let full = store.task_index().unwrap();
        assert_eq!(store.response_task_index().unwrap(), full);
        let light = store.response_task_index_without_judge().unwrap();
        assert_eq!(light.len(), full.len());
        for (l, f) in light.iter().zip(&full) {
            assert_eq!((&l.task, &l.country), (&f.task, &f.country));
            assert!(l.judge.is_empty());
        }
    }

    /// The task list's reads scan only indexes that an import into an empty session builds
    /// after the rows (in order, so a cold open reads them sequentially), and no table.
    #[test]
    fn the_task_reads_scan_only_indexes_built_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::create(&dir.path().join("s.db"), &Schema::cross_eval(), false).unwrap();
        for sql in [super::ITEMS_SQL.to_string(), super::responses_sql(0), super::responses_sql(4)] {
            let mut st = store.conn().prepare(&format!("EXPLAIN QUERY PLAN {sql}")).unwrap();
            let paths = vec!["$.x"; st.parameter_count()];
            let plan: Vec<String> = st
                .query_map(rusqlite::params_from_iter(paths), |r| r.get(3))
                .unwrap()
                .collect::<Result<_, _>>()
                .unwrap();
            assert_eq!(plan.len(), 1, "{sql}: {plan:?}");
            let ok = crate::store::import::DEFERRED_INDEXES
                .iter()
                .any(|name| plan[0].ends_with(&format!("USING COVERING INDEX {name}")));
            assert!(ok, "{sql}: {plan:?}");
        }
    }
}
