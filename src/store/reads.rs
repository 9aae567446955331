//! Reads for the commands, the TUI and the exports: items, pairs, annotators, the current
//! labels and the event log. Labels are read through the readable views (`readable`).

use super::events::{EVENT_COLUMNS, row_to_event};
use super::{
    Counts, CurrentLabel, LabelEvent, Store, StoreError, TaskLabels, readable, task_columns,
    task_from_columns,
};
use crate::model::{Item, Pair, Response, TaskRef};
use rusqlite::{OptionalExtension, params};
use std::collections::HashMap;

impl Store {
    pub fn counts(&self) -> rusqlite::Result<Counts> {
        let one = |sql: &str| self.conn.query_row(sql, [], |r| r.get::<_, i64>(0)).map(|n| n as u64);
        Ok(Counts {
            items: one("SELECT count(*) FROM items")?,
            responses: one("SELECT count(*) FROM responses")?,
            pairs: one("SELECT count(*) FROM pairs")?,
        })
    }
    /// One item with its responses.
    pub fn item(&self, id: &str) -> rusqlite::Result<Option<Item>> {
        let mut st = self.conn.prepare_cached(
            "SELECT id, image, query, query_en, language, country, domain, norm, meta FROM items WHERE id = ?1",
        )?;
        let item = st.query_row([id], row_to_item).optional()?;
        let Some(mut item) = item else { return Ok(None) };
        let mut st = self.conn.prepare_cached(
            "SELECT model, text, judge, judge_rationale FROM responses WHERE item_id = ?1 ORDER BY seq",
        )?;
        item.responses = st
            .query_map([id], |r| {
                Ok(Response {
                    model: r.get(0)?,
                    text: r.get(1)?,
                    judge: json_col(r.get::<_, String>(2)?),
                    judge_rationale: json_col(r.get::<_, String>(3)?),
                    judges: Default::default(),
                })
            })?
            .collect::<rusqlite::Result<_>>()?;
        Ok(Some(item))
    }

    /// Every item id in import order.
    pub fn item_ids(&self) -> rusqlite::Result<Vec<String>> {
        let mut st = self.conn.prepare_cached("SELECT id FROM items ORDER BY seq")?;
        st.query_map([], |r| r.get(0))?.collect()
    }

    /// Calls `f` for every item with its responses, in import order, without holding them all.
    pub fn for_each_item(&self, mut f: impl FnMut(Item) -> Result<(), StoreError>) -> Result<(), StoreError> {
        let mut st = self.conn.prepare(
            "SELECT i.id, i.image, i.query, i.query_en, i.language, i.country, i.domain, i.norm, i.meta,
                    r.model, r.text, r.judge, r.judge_rationale
             FROM items i LEFT JOIN responses r ON r.item_id = i.id ORDER BY i.seq, r.seq",
        )?;
        let mut rows = st.query([])?;
        let mut current: Option<Item> = None;
        while let Some(r) = rows.next()? {
            let id: String = r.get(0)?;
            if current.as_ref().is_some_and(|c| c.id != id) {
                f(current.take().expect("checked"))?;
            }
            if current.is_none() {
                current = Some(row_to_item(r)?);
            }
            if let Some(model) = r.get::<_, Option<String>>(9)? {
                current.as_mut().expect("set above").responses.push(Response {
                    model,
                    text: r.get(10)?,
                    judge: json_col(r.get::<_, String>(11)?),
                    judge_rationale: json_col(r.get::<_, String>(12)?),
                    judges: Default::default(),
                });
            }
        }
        if let Some(c) = current {
            f(c)?;
        }
        Ok(())
    }

    pub fn pair(&self, id: &str) -> rusqlite::Result<Option<Pair>> {
        self.conn
            .prepare_cached(
                "SELECT id, prompt, chosen, rejected, images, item_id, meta FROM pairs WHERE id = ?1",
            )?
            .query_row([id], row_to_pair)
            .optional()
    }

    /// Every pair in import order.
    pub fn pairs(&self) -> rusqlite::Result<Vec<Pair>> {
        let mut st = self.conn.prepare_cached(
            "SELECT id, prompt, chosen, rejected, images, item_id, meta FROM pairs ORDER BY seq",
        )?;
        st.query_map([], row_to_pair)?.collect()
    }

    /// The names of the adjudicators, sorted.
    pub fn adjudicators(&self) -> rusqlite::Result<Vec<String>> {
        let mut st = self
            .conn
            .prepare_cached("SELECT name FROM annotators WHERE role = 'adjudicator' ORDER BY name")?;
        st.query_map([], |r| r.get(0))?.collect()
    }

    pub fn annotators(&self) -> rusqlite::Result<Vec<String>> {
        let mut st = self.conn.prepare_cached(
            "SELECT name FROM annotators UNION SELECT DISTINCT annotator FROM readable_current ORDER BY 1",
        )?;
        st.query_map([], |r| r.get(0))?.collect()
    }
    /// What one annotator has said about one task.
    pub fn task_labels(&self, annotator: &str, task: &TaskRef) -> rusqlite::Result<TaskLabels> {
        let (kind, item_id, model, pair_id) = task_columns(task);
        let mut st = self.conn.prepare_cached(
            "SELECT field, value, text, seconds FROM readable_current WHERE annotator=?1 AND task_kind=?2
             AND item_id=?3 AND model=?4 AND pair_id=?5",
        )?;
        let mut labels = TaskLabels::default();
        let mut rows = st.query(params![annotator, kind, item_id, model, pair_id])?;
        while let Some(r) = rows.next()? {
            let f: String = r.get(0)?;
            labels.apply(&f, r.get(1)?, r.get(2)?, r.get(3)?);
        }
        Ok(labels)
    }

    /// Everything one annotator has said, per task (for the task list at start-up).
    pub fn labels_of(&self, annotator: &str) -> rusqlite::Result<HashMap<TaskRef, TaskLabels>> {
        let mut st = self.conn.prepare_cached(
            "SELECT task_kind, item_id, model, pair_id, field, value, text, seconds FROM readable_current
             WHERE annotator = ?1",
        )?;
        let mut out: HashMap<TaskRef, TaskLabels> = HashMap::new();
        let mut rows = st.query([annotator])?;
        while let Some(r) = rows.next()? {
            let task = task_from_columns(&r.get::<_, String>(0)?, r.get(1)?, r.get(2)?, r.get(3)?);
            out.entry(task).or_default().apply(&r.get::<_, String>(4)?, r.get(5)?, r.get(6)?, r.get(7)?);
        }
        Ok(out)
    }

    /// Every current state row (labels, verdicts and task-level fields) of every annotator.
    pub fn current(&self) -> rusqlite::Result<Vec<CurrentLabel>> {
        let mut st = self.conn.prepare_cached(
            "SELECT annotator, task_kind, item_id, model, pair_id, field, value, text, blind_value,
                    seconds, at FROM readable_current ORDER BY annotator, task_kind, item_id, model, pair_id, field",
        )?;
        st.query_map([], |r| {
            Ok(CurrentLabel {
                annotator: r.get(0)?,
                task: task_from_columns(&r.get::<_, String>(1)?, r.get(2)?, r.get(3)?, r.get(4)?),
                field: r.get(5)?,
                value: r.get(6)?,
                text: r.get(7)?,
                blind_value: r.get(8)?,
                seconds: r.get(9)?,
                at: r.get(10)?,
            })
        })?
        .collect()
    }

    /// The current human labels on dimensions and pair verdicts (no task-level fields, no
    /// cleared values).
    pub fn current_labels(&self) -> rusqlite::Result<Vec<CurrentLabel>> {
        Ok(self.current()?.into_iter().filter(|c| !c.field.starts_with('@') && c.value.is_some()).collect())
    }

    /// The whole event log in the order it was written here.
    pub fn events(&self) -> rusqlite::Result<Vec<LabelEvent>> {
        let mut st =
            self.conn.prepare_cached(&format!("SELECT {EVENT_COLUMNS} FROM readable_events ORDER BY seq"))?;
        st.query_map([], row_to_event)?.collect()
    }

    /// Warnings about rows that readers skip because no crossreview would have written them
    /// (a label value that is text, a BLOB or outside its dimension, seconds as text...) in the
    /// current labels, and about labels on a response or pair the session does not hold: per
    /// kind, a line with the count, then the first few rows.
    pub fn unreadable_rows(&self) -> rusqlite::Result<Vec<String>> {
        let mut out = Vec::new();
        for (why, n, rows) in readable::unreadable_rows(&self.conn, 5)? {
            let shown = self.path.display();
            out.push(match why {
                readable::Skipped::Unreadable => format!(
                    "{shown}: skipped {n} unreadable row(s) of the current table (not written by crossreview; the rest of the session is read as usual):"
                ),
                readable::Skipped::NoSuchTask => format!(
                    "{shown}: skipped {n} label(s) on tasks this session does not hold (no such response or pair was imported; import it to count them):"
                ),
            });
            out.extend(rows.into_iter().map(|r| format!("  {r}")));
        }
        Ok(out)
    }
}

pub(super) fn json_col<T: serde::de::DeserializeOwned + Default>(s: String) -> T {
    serde_json::from_str(&s).unwrap_or_default()
}

fn row_to_item(r: &rusqlite::Row<'_>) -> rusqlite::Result<Item> {
    Ok(Item {
        id: r.get(0)?,
        image: r.get(1)?,
        query: r.get(2)?,
        query_en: r.get(3)?,
        language: r.get(4)?,
        country: r.get(5)?,
        domain: r.get(6)?,
        norm: r.get(7)?,
        meta: json_col(r.get::<_, String>(8)?),
        responses: Vec::new(),
    })
}

fn row_to_pair(r: &rusqlite::Row<'_>) -> rusqlite::Result<Pair> {
    let js = |i: usize| -> rusqlite::Result<serde_json::Value> {
        Ok(serde_json::from_str(&r.get::<_, String>(i)?).unwrap_or(serde_json::Value::Null))
    };
    Ok(Pair {
        id: r.get(0)?,
        prompt: js(1)?,
        chosen: js(2)?,
        rejected: js(3)?,
        images: json_col(r.get::<_, String>(4)?),
        item_id: r.get(5)?,
        meta: json_col(r.get::<_, String>(6)?),
    })
}
