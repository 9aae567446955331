//! `crossreview hub init URL SESSION`: creates the team hub in a PostgreSQL database and uploads
//! the session (docs/hub.md).

use crate::error::{CliError, CliResult};
use crate::hub::{Hub, InitOutcome, Study};
use crate::store::{Store, time};
use std::path::Path;

pub fn init(url: &str, session: &Path) -> CliResult {
    let mut store = Store::open(session)?;
    let mut hub = Hub::connect(url)?;
    let study = Study {
        hub_id: crate::store::new_origin(),
        study_id: store.study_id()?,
        label_schema: serde_json::to_string(store.schema()).map_err(|e| CliError::data(e.to_string()))?,
        created_at: time::format_micros(time::now_micros()),
        created_by: concat!("crossreview ", env!("CARGO_PKG_VERSION")).to_string(),
    };
    let outgoing = store.hub_outgoing(&study.hub_id, 0, true)?;
    match hub.init(&study, &outgoing.rows)? {
        InitOutcome::Created(pushed) => {
            store.record_hub_push(
                &study.hub_id,
                outgoing.events_through,
                outgoing.imports,
                pushed.seq_before,
                pushed.seq_after,
            )?;
            crate::outln!(
                "{}: created the hub for study {} and uploaded {} items, {} responses, {} pairs, {} annotators, {} label events, {} judges, {} judge scores",
                hub.shown(),
                study.study_id,
                pushed.items,
                pushed.responses,
                pushed.pairs,
                pushed.annotators,
                pushed.events,
                pushed.judges,
                pushed.judge_scores
            );
            Ok(())
        }
        InitOutcome::Occupied(existing) if existing.study_id == study.study_id => {
            // The same study (a copy of the session it was made from): nothing to create, so
            // bring both up to date.
            crate::hub::session::check_schema(&store, &hub, &existing)?;
            crate::outln!("{}: the hub already holds this study; syncing", hub.shown());
            let (pulled, pushed) = crate::hub::session::sync_once(&mut store, &mut hub, &existing)?;
            super::sync::print(&mut hub, &pulled, &pushed);
            Ok(())
        }
        InitOutcome::Occupied(existing) => Err(CliError::data(format!(
            "{}: this database already holds another study ({}, created {} by {}); a hub holds one study, and nothing was changed. Create another database for {} (createdb), or sync a copy of that study with `crossreview sync SESSION URL`",
            hub.shown(),
            existing.study_id,
            existing.created_at,
            existing.created_by,
            store.path().display()
        ))),
    }
}
