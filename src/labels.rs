//! What one annotator has said about one task, and the one rule that folds a field's current
//! value into it. The session store, the TUI's optimistic updates and the adjudicator's view of
//! the others' answers all read labels through [`TaskLabels::apply`], so they cannot disagree.

use crate::model::Value;
use std::collections::BTreeMap;

/// Task-level fields share the event log with dimension labels; the `@` prefix cannot clash
/// with a dimension name (schema validation allows only letters, digits, `_` and `-`).
pub mod field {
    pub const VERDICT: &str = "verdict";
    pub const SKIP: &str = "@skip";
    pub const FLAG: &str = "@flag";
    pub const NOTE: &str = "@note";
    pub const REVEAL: &str = "@reveal";
    /// Pairs: which side the chosen response was shown on ("chosen_left" / "chosen_right").
    pub const ORDER: &str = "@order";
    /// Pairs: reason tags, comma-separated.
    pub const TAGS: &str = "@tags";
}

/// Everything one annotator has said about one task.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TaskLabels {
    /// dimension (or "verdict") -> value
    pub values: BTreeMap<String, Value>,
    pub skipped: Option<String>,
    pub flagged: bool,
    pub note: Option<String>,
    pub revealed: bool,
    /// Pairs: "chosen_left" or "chosen_right" once shown.
    pub order: Option<String>,
    pub tags: Option<String>,
    pub seconds: f64,
}

impl TaskLabels {
    /// Sets `field` to its new state (`value`, `text`: what an event or a current row carries)
    /// and keeps the longest active time seen. A dimension or verdict without a value is
    /// cleared; an empty note or tag list is none.
    pub fn apply(&mut self, field: &str, value: Option<Value>, text: Option<String>, seconds: f64) {
        self.seconds = self.seconds.max(seconds);
        match field {
            field::SKIP => self.skipped = text,
            field::FLAG => self.flagged = value == Some(1),
            field::NOTE => self.note = text.filter(|t| !t.is_empty()),
            field::REVEAL => self.revealed = value == Some(1),
            field::ORDER => self.order = text,
            field::TAGS => self.tags = text.filter(|t| !t.is_empty()),
            dim => match value {
                Some(v) => {
                    self.values.insert(dim.to_string(), v);
                }
                None => {
                    self.values.remove(dim);
                }
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_field_lands_in_its_place() {
        let mut l = TaskLabels::default();
        l.apply("harm", Some(1), None, 3.0);
        l.apply(field::VERDICT, Some(2), None, 1.0);
        l.apply(field::SKIP, None, Some("other".into()), 0.0);
        l.apply(field::FLAG, Some(1), None, 0.0);
        l.apply(field::NOTE, None, Some("why".into()), 0.0);
        l.apply(field::REVEAL, Some(1), None, 0.0);
        l.apply(field::ORDER, None, Some("chosen_left".into()), 0.0);
        l.apply(field::TAGS, None, Some("other".into()), 0.0);
        let want = TaskLabels {
            values: [("harm".to_string(), 1), (field::VERDICT.to_string(), 2)].into(),
            skipped: Some("other".into()),
            flagged: true,
            note: Some("why".into()),
            revealed: true,
            order: Some("chosen_left".into()),
            tags: Some("other".into()),
            seconds: 3.0,
        };
        assert_eq!(l, want);
        // Clearing: no value, an empty note or tag list, a zero flag.
        l.apply("harm", None, None, 0.0);
        l.apply(field::NOTE, None, Some(String::new()), 0.0);
        l.apply(field::TAGS, None, Some(String::new()), 0.0);
        l.apply(field::FLAG, Some(0), None, 0.0);
        l.apply(field::SKIP, None, None, 0.0);
        assert!(!l.values.contains_key("harm") && l.note.is_none() && l.tags.is_none());
        assert!(!l.flagged && l.skipped.is_none());
        assert_eq!(l.seconds, 3.0, "the longest time seen is kept");
    }
}
