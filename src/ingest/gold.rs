//! `--gold`: every item imported becomes a gold item, with known answers from its `meta.gold` or
//! its responses' judge scores (docs/team-workflow.md).

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
struct GoldItem {
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

/// `--gold`: the items read, in first-seen order, with their answers so far.
#[derive(Default)]
pub(super) struct GoldItems {
    items: Vec<GoldItem>,
    index: std::collections::HashMap<String, usize>,
}

impl GoldItems {
    /// Notes the item's known answers (read at `file`, `line`) and, when they come from the
    /// judge, writes them into its `meta.gold`.
    pub(super) fn note(&mut self, file: u32, line: usize, item: &mut Item, schema: &Schema) {
        let k = match self.index.get(&item.id) {
            Some(&k) => k,
            None => {
                self.items.push(GoldItem {
                    id: item.id.clone(),
                    file,
                    line: line as u32,
                    has_meta: false,
                    from_meta: 0,
                    from_judge: serde_json::Map::new(),
                });
                self.index.insert(item.id.clone(), self.items.len() - 1);
                self.items.len() - 1
            }
        };
        let g = &mut self.items[k];
        if item.meta.contains_key("gold") {
            g.has_meta = true;
            g.from_meta = g.from_meta.max(gold_answers(&item.id, &item.meta, schema).len());
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

    /// How many gold items were read.
    pub(super) fn len(&self) -> usize {
        self.items.len()
    }

    /// Every item needs known answers; checked at the end because a CROSS item's responses may
    /// come from several files. `location(file, line)` names where an item was first read.
    pub(super) fn errors(&self, schema: &Schema, location: impl Fn(u32, u32) -> String) -> Vec<String> {
        let shape = "{\"MODEL\": {\"DIMENSION\": value}}";
        let mut errors = Vec::new();
        for g in &self.items {
            let msg = if g.has_meta {
                if g.from_meta > 0 {
                    continue;
                }
                format!(
                    "{}: --gold: item {:?} has a meta.gold with no answer on the session's dimensions; write it as {shape} with valid values ({}), or import this item without --gold",
                    location(g.file, g.line),
                    g.id,
                    schema.dimension_names().join(", ")
                )
            } else {
                if !g.from_judge.is_empty() {
                    continue;
                }
                format!(
                    "{}: --gold: item {:?} has no known answers: no meta.gold and no response with judge scores; add \"judge\" scores to its responses or \"meta\": {{\"gold\": {shape}}}, or import this item without --gold",
                    location(g.file, g.line),
                    g.id
                )
            };
            errors.push(msg);
        }
        errors
    }
}
