//! One sync of a session with its hub: pull and merge, then push (docs/hub.md). Used by the
//! `sync` command, `hub init` on a hub that already holds the study, and the background sync of
//! `annotate --hub`.

use super::{Hub, HubError, PushOutcome, Study};
use crate::schema::Schema;
use crate::store::hub_sync::ImportsMark;
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
    let with_judges = hub.takes_judges()?;
    if hub.take_judges_tables_added() {
        store.forget_hub_imports(&study.hub_id)?;
    }
    let outgoing = store.hub_outgoing(&study.hub_id, cursors.pushed_through, with_judges)?;
    let pushed = hub.push(&outgoing.rows)?;
    store.record_hub_push(
        &study.hub_id,
        outgoing.events_through,
        outgoing.imports.map(|m| ImportsMark { with_judges: m.with_judges && pushed.judges_sent, ..m }),
        pushed.seq_before,
        pushed.seq_after,
    )?;
    Ok((pulled, pushed))
}
