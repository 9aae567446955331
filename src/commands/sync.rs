//! `crossreview sync SESSION URL`: brings a session and the team hub up to date with each other
//! (docs/hub.md). It pulls first (the hub's new rows are merged into the session by the rules of
//! `merge`, in one session transaction), then pushes (the session's rows the hub lacks, in one
//! hub transaction). Either step may be cut off: its cursor only moves once it is committed on
//! both sides, so the next sync completes it.

use crate::error::{CliError, CliResult};
use crate::hub::{Hub, PushOutcome, Study};
use crate::schema::Schema;
use crate::store::{MergeReport, Store};
use std::path::Path;

pub fn run(session: &Path, url: &str) -> CliResult {
    let mut store = Store::open(session)?;
    let mut hub = Hub::connect(url)?;
    let Some(study) = hub.study()? else {
        return Err(CliError::data(format!(
            "{}: this database holds no crossreview hub; create one with `crossreview hub init URL SESSION`",
            hub.shown()
        )));
    };
    check_schema(&store, &hub, &study)?;
    let (pulled, pushed) = sync(&mut store, &mut hub, &study)?;
    print(&hub, &pulled, &pushed);
    Ok(())
}

/// Refuses a hub whose label schema differs from the session's, as `merge` refuses such a file.
pub(crate) fn check_schema(store: &Store, hub: &Hub, study: &Study) -> Result<(), CliError> {
    let theirs: Schema = serde_json::from_str(&study.label_schema).map_err(|e| {
        CliError::data(format!(
            "{}: the hub's label schema is damaged ({e}); nothing was synced",
            hub.shown()
        ))
    })?;
    if theirs.dimensions != store.schema().dimensions {
        return Err(CliError::data(format!(
            "{}: the hub's label schema ({}) differs from {}'s ({}); only sessions of the same study can sync with it; nothing was synced",
            hub.shown(),
            theirs.dimension_names().join(", "),
            store.path().display(),
            store.schema().dimension_names().join(", ")
        )));
    }
    Ok(())
}

/// One sync: pull and merge, then push. Returns what each step brought.
pub(crate) fn sync(
    store: &mut Store,
    hub: &mut Hub,
    study: &Study,
) -> Result<(MergeReport, PushOutcome), CliError> {
    let cursors = store.hub_cursors(&study.hub_id)?;
    let (rows, through) = hub.pull(cursors.pulled_through)?;
    let pulled = store.merge_from_hub(&study.hub_id, hub.shown(), &rows, through)?;
    let cursors = store.hub_cursors(&study.hub_id)?;
    let (outgoing, last_seq) = store.hub_outgoing(cursors.pushed_through)?;
    let pushed = hub.push(&outgoing)?;
    store.record_hub_push(&study.hub_id, last_seq, pushed.seq_before, pushed.seq_after)?;
    Ok((pulled, pushed))
}

pub(crate) fn print(hub: &Hub, pulled: &MergeReport, pushed: &PushOutcome) {
    crate::outln!(
        "{}: pulled {} new label events, {} items added ({} updated), {} responses added, {} pairs added ({} updated), {} annotators added",
        hub.shown(),
        pulled.events_added,
        pulled.items_added,
        pulled.items_updated,
        pulled.responses_added,
        pulled.pairs_added,
        pulled.pairs_updated,
        pulled.annotators_added
    );
    crate::outln!(
        "{}: pushed {} new label events, {} items, {} responses, {} pairs, {} annotators",
        hub.shown(),
        pushed.events,
        pushed.items,
        pushed.responses,
        pushed.pairs,
        pushed.annotators
    );
    super::merge::print_details(pulled);
}
