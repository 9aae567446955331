//! Fast reads for the annotation TUI on large sessions.

use super::{Store, TaskInfo};
use crate::model::{TaskRef, Value};
use std::collections::HashMap;

impl Store {
    /// The response tasks of `task_index()`, in the same order (item import order, then
    /// response import order), read fast enough to open a 300,000-response session at once:
    /// two sequential table scans instead of a sorted join, and the judge's values taken out of
    /// their JSON by SQLite.
    pub fn response_task_index(&self) -> rusqlite::Result<Vec<TaskInfo>> {
        self.response_tasks(true)
    }

    /// [`Store::response_task_index`] without the judge's values (`judge` is empty): the
    /// responses are then read from their (item, model) index alone, without touching the
    /// response texts, which is several times faster on a large session. The judge's values of
    /// a task are in its item (`Store::item`) when it is shown.
    pub fn response_task_index_without_judge(&self) -> rusqlite::Result<Vec<TaskInfo>> {
        self.response_tasks(false)
    }

    fn response_tasks(&self, with_judge: bool) -> rusqlite::Result<Vec<TaskInfo>> {
        struct ItemRow {
            pos: u32,
            country: Option<String>,
            language: Option<String>,
            domain: Option<String>,
        }
        let mut items: HashMap<String, ItemRow> = HashMap::new();
        let mut st = self.conn().prepare("SELECT id, country, language, domain FROM items ORDER BY seq")?;
        let mut rows = st.query([])?;
        let mut pos = 0u32;
        while let Some(r) = rows.next()? {
            items.insert(r.get(0)?, ItemRow { pos, country: r.get(1)?, language: r.get(2)?, domain: r.get(3)? });
            pos += 1;
        }
        drop(rows);

        let dims = if with_judge { self.schema().dimension_names() } else { Vec::new() };
        let extract: Vec<String> =
            (0..dims.len()).map(|k| format!(", json_extract(judge, ?{})", k + 1)).collect();
        // Without the judge, the covering (item_id, model) index answers; rows come in index
        // order and are put in import order (seq) below.
        let sql = if with_judge {
            format!("SELECT item_id, model, seq{} FROM responses ORDER BY seq", extract.concat())
        } else {
            "SELECT item_id, model, seq FROM responses".to_string()
        };
        let paths: Vec<String> = dims.iter().map(|d| format!("$.\"{d}\"")).collect();
        let mut st = self.conn().prepare(&sql)?;
        let mut rows = st.query(rusqlite::params_from_iter(paths.iter()))?;
        let mut out: Vec<(u32, i64, TaskInfo)> = Vec::new();
        while let Some(r) = rows.next()? {
            let item_id: String = r.get(0)?;
            let Some(item) = items.get(&item_id) else { continue };
            let model: String = r.get(1)?;
            let seq: i64 = r.get(2)?;
            let judge: Vec<Option<Value>> =
                (0..dims.len()).map(|k| r.get::<_, Option<Value>>(k + 3)).collect::<rusqlite::Result<_>>()?;
            out.push((
                item.pos,
                seq,
                TaskInfo {
                    task: TaskRef::Response { item_id: item_id.clone(), model: model.clone() },
                    item_id,
                    model,
                    country: item.country.clone(),
                    language: item.language.clone(),
                    domain: item.domain.clone(),
                    judge,
                },
            ));
        }
        // The item rows are no longer needed: free them before the final vector is built, which
        // lowers the peak memory of opening a large session.
        drop(rows);
        drop(st);
        drop(items);
        out.sort_unstable_by_key(|(p, seq, _)| (*p, *seq));
        Ok(out.into_iter().map(|(_, _, t)| t).collect())
    }
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
                    judge: if k == 0 { [("compliance".to_string(), 0)].into_iter().collect() } else { Default::default() },
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
}
