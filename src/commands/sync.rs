//! `crossreview sync SESSION URL`: brings a session and the team hub up to date with each other
//! (docs/hub.md). It pulls first (the hub's new rows are merged into the session by the rules of
//! `merge`, in one session transaction), then pushes (the session's rows the hub lacks, in one
//! hub transaction). Either step may be cut off: its cursor only moves once it is committed on
//! both sides, so the next sync completes it.

use crate::error::CliResult;
use crate::hub::session as hub_session;
use crate::hub::{Hub, PushOutcome};
use crate::store::{MergeReport, Store};
use std::path::Path;

pub fn run(session: &Path, url: &str) -> CliResult {
    let mut store = Store::open(session)?;
    let mut hub = Hub::connect(url)?;
    let study = hub_session::study_of(&mut hub)?;
    hub_session::check_schema(&store, &hub, &study)?;
    let (pulled, pushed) = hub_session::sync_once(&mut store, &mut hub, &study)?;
    print(&mut hub, &pulled, &pushed);
    Ok(())
}

pub(crate) fn print(hub: &mut Hub, pulled: &MergeReport, pushed: &PushOutcome) {
    crate::outln!(
        "{}: pulled {} new label events, {} items added ({} updated), {} responses added, {} pairs added ({} updated), {} annotators added{}",
        hub.shown(),
        pulled.events_added,
        pulled.items_added,
        pulled.items_updated,
        pulled.responses_added,
        pulled.pairs_added,
        pulled.pairs_updated,
        pulled.annotators_added,
        super::merge::judge_counts(&pulled.judges)
    );
    crate::outln!(
        "{}: pushed {} new label events, {} items, {} responses, {} pairs, {} annotators, {} judges, {} judge scores",
        hub.shown(),
        pushed.events,
        pushed.items,
        pushed.responses,
        pushed.pairs,
        pushed.annotators,
        pushed.judges,
        pushed.judge_scores
    );
    super::merge::print_details(pulled);
    if matches!(hub.carries_judges(), Ok(false)) {
        crate::errln!(
            "{}: the hub was made by an older crossreview and has no tables for the judges' scores yet, so they did not travel; the next `crossreview sync` (or `hub init`) by the hub's owner adds them",
            hub.shown()
        );
    }
}
