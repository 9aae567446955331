//! One sync of a session with its hub: pull and merge, then push (docs/hub.md). Used by the
//! `sync` command, `hub init` on a hub that already holds the study, and the background sync of
//! `annotate --hub`.

use super::{Hub, HubError, PushOutcome, Study};
use crate::schema::Schema;
use crate::store::{MergeReport, Store};

/// Refuses a hub whose label schema differs from the session's, as `merge` refuses such a file.
pub fn check_schema(store: &Store, hub: &Hub, study: &Study) -> Result<(), HubError> {
    let theirs: Schema = serde_json::from_str(&study.label_schema)
        .map_err(|e| HubError::DamagedSchema { hub: hub.shown().to_string(), reason: e.to_string() })?;
    if theirs.dimensions != store.schema().dimensions {
        return Err(HubError::SchemaDiffers {
            hub: hub.shown().to_string(),
            theirs: theirs.dimension_names().join(", "),
            session: store.path().display().to_string(),
            ours: store.schema().dimension_names().join(", "),
        });
    }
    Ok(())
}

/// The hub's study, or an error saying how to create one.
pub fn study_of(hub: &mut Hub) -> Result<Study, HubError> {
    hub.study()?.ok_or_else(|| HubError::NoHub { hub: hub.shown().to_string() })
}

/// One sync: pull and merge (short session transactions), then push (one hub transaction).
/// Returns what each step brought.
pub fn sync_once(
    store: &mut Store,
    hub: &mut Hub,
    study: &Study,
) -> Result<(MergeReport, PushOutcome), HubError> {
    let cursors = store.hub_cursors(&study.hub_id)?;
    let (rows, through) = hub.pull(cursors.pulled_through)?;
    let pulled = store.merge_from_hub(&study.hub_id, hub.shown(), &rows, through)?;
    let cursors = store.hub_cursors(&study.hub_id)?;
    let (outgoing, last_seq) = store.hub_outgoing(cursors.pushed_through)?;
    let pushed = hub.push(&outgoing)?;
    store.record_hub_push(&study.hub_id, last_seq, pushed.seq_before, pushed.seq_after)?;
    Ok((pulled, pushed))
}
