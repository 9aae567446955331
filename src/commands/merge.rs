//! `crossreview merge TARGET SOURCE…`: brings annotators' copies of a session together.

use crate::error::CliResult;
use crate::model::TaskRef;
use crate::store::{JudgeCounts, MergeReport, Store, field};
use std::path::{Path, PathBuf};

pub fn run(target: &Path, sources: &[PathBuf]) -> CliResult {
    let mut store = Store::open(target)?;
    // Every source is checked before any is merged, and all are merged in one transaction: a
    // bad one on the command line changes nothing.
    let reports = store.merge_all(sources)?;
    for (src, rep) in sources.iter().zip(&reports) {
        crate::outln!(
            "{}: {} new label events, {} items added ({} updated), {} responses added, {} pairs added ({} updated), {} annotators added{}",
            src.display(),
            rep.events_added,
            rep.items_added,
            rep.items_updated,
            rep.responses_added,
            rep.pairs_added,
            rep.pairs_updated,
            rep.annotators_added,
            judge_counts(&rep.judges)
        );
        print_details(rep);
    }
    Ok(())
}

/// The judges a merge (or a sync's pull) brought, to end its line: nothing when it brought none.
pub(crate) fn judge_counts(j: &JudgeCounts) -> String {
    if *j == JudgeCounts::default() {
        return String::new();
    }
    format!(
        ", {} judges added, {} judge scores added ({} updated)",
        j.judges_added, j.scores_added, j.scores_updated
    )
}

/// The uid clashes and conflicts of a merge (or of a sync's pull), one line each.
pub(crate) fn print_details(rep: &MergeReport) {
    if rep.judges.scores_left_out > 0 {
        crate::outln!(
            "  left out {} judge scores of responses whose text here differs (the other version of the response was kept)",
            rep.judges.scores_left_out
        );
    }
    for c in &rep.uid_clashes {
        crate::outln!(
            "  uid clash: event {} is in both sessions with different content; kept both, the incoming one as {}",
            c.uid,
            c.stored_as
        );
    }
    for c in &rep.conflicts {
        let task = match &c.task {
            TaskRef::Response { item_id, model } => format!("{item_id} [{model}]"),
            TaskRef::Pair { pair_id } => format!("pair {pair_id}"),
        };
        let show = |v: &(Option<i64>, Option<String>, String)| match (&v.0, &v.1) {
            (Some(x), _) if c.field == field::VERDICT => {
                crate::model::Verdict::from_code(*x).map(|v| v.as_str().to_string()).unwrap_or(x.to_string())
            }
            (Some(x), _) => x.to_string(),
            (None, Some(t)) => format!("{t:?}"),
            (None, None) => "(cleared)".to_string(),
        };
        crate::outln!(
            "  conflict: {} gave {} {} = {} at {} and {} at {}; kept the latest, {}",
            c.annotator,
            task,
            c.field,
            show(&c.kept),
            c.kept.2,
            show(&c.dropped),
            c.dropped.2,
            show(&c.kept)
        );
    }
}
