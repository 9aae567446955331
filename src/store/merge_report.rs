//! What a merge (or a hub sync's pull) did: rows added and updated, the named judges' scores,
//! conflicts between two sessions' current values, and event uids that clashed.

use crate::model::{TaskRef, Value};

/// Two different current values that one annotator gave the same thing in two sessions.
#[derive(Debug, Clone, PartialEq)]
pub struct MergeConflict {
    pub annotator: String,
    pub task: TaskRef,
    pub field: String,
    pub kept: (Option<Value>, Option<String>, String),
    pub dropped: (Option<Value>, Option<String>, String),
}

/// An event whose uid the target already held with different content. Both are kept: the
/// incoming one under `stored_as`.
#[derive(Debug, Clone, PartialEq)]
pub struct UidClash {
    pub uid: String,
    pub stored_as: String,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct MergeReport {
    pub items_added: u64,
    pub items_updated: u64,
    pub responses_added: u64,
    pub pairs_added: u64,
    pub pairs_updated: u64,
    pub events_added: u64,
    pub annotators_added: u64,
    /// The named judges and their scores (`merge_judges`).
    pub judges: JudgeCounts,
    pub conflicts: Vec<MergeConflict>,
    pub uid_clashes: Vec<UidClash>,
}

/// What a merge did to the named judges.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct JudgeCounts {
    pub judges_added: u64,
    pub scores_added: u64,
    pub scores_updated: u64,
    /// Scores of a response text the target does not keep.
    pub scores_left_out: u64,
}

impl JudgeCounts {
    pub fn add(&mut self, other: &JudgeCounts) {
        self.judges_added += other.judges_added;
        self.scores_added += other.scores_added;
        self.scores_updated += other.scores_updated;
        self.scores_left_out += other.scores_left_out;
    }
}
