//! `--gold`: every item imported becomes a gold item, with known answers from its `meta.gold` or
//! its responses' judge scores (docs/team-workflow.md).

use super::read_inputs::Run;
use crate::model::{Item, TaskRef};
use crate::schema::Schema;
use serde_json::Value;

/// The known answers of a gold item, from its `meta.gold`: `{"MODEL": {"DIMENSION": value}}`.
/// Returns (task, dimension, value) for every answer that names a valid dimension value.
pub fn gold_answers(
    item_id: &str,
    meta: &serde_json::Map<String, serde_json::Value>,
    schema: &Schema,
) -> Vec<(TaskRef, String, crate::model::Value)> {
    let mut out = Vec::new();
    let Some(serde_json::Value::Object(models)) = meta.get("gold") else { return out };
    for (model, dims) in models {
        let serde_json::Value::Object(dims) = dims else { continue };
        for (dim, v) in dims {
            let (Some(d), Some(v)) = (schema.dimension(dim), v.as_i64()) else { continue };
            if d.is_valid(v) {
                out.push((
                    TaskRef::Response { item_id: item_id.to_string(), model: model.clone() },
                    dim.clone(),
                    v,
                ));
            }
        }
    }
    out
}

/// An item imported with `--gold`, and the known answers found for it so far. A CROSS item
/// comes as one record per model, so the answers build up over its records; each record's
/// `meta.gold` carries all of them so far, so the last one written holds every model's.
pub(super) struct GoldItem {
    id: String,
    file: u32,
    line: u32,
    /// Whether the item has its own `meta.gold` (which then wins over the judge's scores), and
    /// how many valid answers it holds.
    has_meta: bool,
    from_meta: usize,
    /// model -> the judge's scores, from the responses that have any.
    from_judge: serde_json::Map<String, Value>,
}

impl Run<'_> {
    /// `--gold`: notes the item's known answers and, when they come from the judge, writes
    /// them into its `meta.gold`.
    pub(super) fn make_gold(&mut self, file: u32, line: usize, item: &mut Item) {
        let k = match self.gold_index.get(&item.id) {
            Some(&k) => k,
            None => {
                self.gold.push(GoldItem {
                    id: item.id.clone(),
                    file,
                    line: line as u32,
                    has_meta: false,
                    from_meta: 0,
                    from_judge: serde_json::Map::new(),
                });
                self.gold_index.insert(item.id.clone(), self.gold.len() - 1);
                self.gold.len() - 1
            }
        };
        let g = &mut self.gold[k];
        if item.meta.contains_key("gold") {
            g.has_meta = true;
            g.from_meta = g.from_meta.max(gold_answers(&item.id, &item.meta, self.schema).len());
            return;
        }
        for r in item.responses.iter().filter(|r| !r.judge.is_empty()) {
            let scores = r.judge.iter().map(|(d, v)| (d.clone(), Value::from(*v))).collect();
            g.from_judge.insert(r.model.clone(), Value::Object(scores));
        }
        if !g.from_judge.is_empty() {
            item.meta.insert("gold".to_string(), Value::Object(g.from_judge.clone()));
        }
    }

    /// `--gold`: every item needs known answers; reported at the end because a CROSS item's
    /// responses may come from several files.
    pub(super) fn check_gold(&mut self) {
        for k in 0..self.gold.len() {
            let g = &self.gold[k];
            let shape = "{\"MODEL\": {\"DIMENSION\": value}}";
            let msg = if g.has_meta {
                if g.from_meta > 0 {
                    continue;
                }
                format!(
                    "{}: --gold: item {:?} has a meta.gold with no answer on the session's dimensions; write it as {shape} with valid values ({}), or import this item without --gold",
                    self.location(g.file, g.line),
                    g.id,
                    self.schema.dimension_names().join(", ")
                )
            } else {
                if !g.from_judge.is_empty() {
                    continue;
                }
                format!(
                    "{}: --gold: item {:?} has no known answers: no meta.gold and no response with judge scores; add \"judge\" scores to its responses or \"meta\": {{\"gold\": {shape}}}, or import this item without --gold",
                    self.location(g.file, g.line),
                    g.id
                )
            };
            self.diag.error(msg);
        }
        self.summary.gold_items = self.gold.len() as u64;
    }
}
