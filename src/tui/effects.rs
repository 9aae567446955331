//! Carries out the effects `update` asks for against the session (and the search worker); what
//! comes back goes through `update` again.

use super::action::{Action, Effect};
use super::state::{ItemJudges, State};
use super::update::update;
use super::workers::SearchWorker;
use crate::store::Store;

/// Runs effects against the session until none are left; every `Record` is durable when this
/// returns. Returns true when the app should quit.
pub fn run_effects(
    store: &mut Store,
    state: &mut State,
    mut effects: Vec<Effect>,
    search: Option<&SearchWorker>,
    mut on_image: impl FnMut(Option<String>, &mut State),
) -> bool {
    let mut quit = false;
    while !effects.is_empty() {
        let mut follow = Vec::new();
        for fx in effects {
            let action = match fx {
                Effect::Record(ev) => match store.record(&ev) {
                    Ok(_) => None,
                    Err(e) => Some(Action::NotSaved {
                        stored: store.task_labels(&state.session.annotator, &ev.task).ok().map(Box::new),
                        task: ev.task,
                        message: format!("NOT SAVED: {e:#}"),
                    }),
                },
                Effect::Undo | Effect::Redo => {
                    let redo = matches!(fx, Effect::Redo);
                    let r = if redo {
                        store.redo(&state.session.annotator)
                    } else {
                        store.undo(&state.session.annotator)
                    };
                    Some(match r {
                        Ok(ev) => Action::Applied { event: ev.map(Box::new), redo },
                        Err(e) => {
                            Action::Failed(format!("{} failed: {e:#}", if redo { "redo" } else { "undo" }))
                        }
                    })
                }
                Effect::LoadItem(id) => Some(match store.item(&id) {
                    Ok(Some(item)) => {
                        // Its judges by name first: the item's arrival draws them too.
                        match judges_of_item(store, &item) {
                            Ok(judges) => {
                                follow.extend(update(state, Action::JudgesLoaded(Box::new(judges))))
                            }
                            Err(e) => follow.extend(update(
                                state,
                                Action::Failed(format!("cannot read the judges of item {id}: {e}")),
                            )),
                        }
                        Action::ItemLoaded(Box::new(item))
                    }
                    Ok(None) => Action::Failed(format!("item {id} is no longer in the session")),
                    Err(e) => Action::Failed(format!("cannot read item {id}: {e}")),
                }),
                Effect::ComputeStats => Some(Action::StatsReady(super::stats::compute(store).map(Box::new))),
                Effect::LoadPair(id) => Some(match store.pair(&id) {
                    Ok(Some(pair)) => {
                        // The pair's item (norm, country) when the session has it.
                        let item = pair.item_id.as_deref().and_then(|i| store.item(i).ok().flatten());
                        Action::PairLoaded { pair: Box::new(pair), item: item.map(Box::new) }
                    }
                    Ok(None) => Action::Failed(format!("pair {id} is no longer in the session")),
                    Err(e) => Action::Failed(format!("cannot read pair {id}: {e}")),
                }),
                Effect::Search(q) => {
                    if let Some(w) = search {
                        w.ask(q);
                    }
                    None
                }
                Effect::ShowImage(path) => {
                    on_image(path, state);
                    None
                }
                Effect::Quit => {
                    quit = true;
                    None
                }
            };
            if let Some(a) = action {
                follow.extend(update(state, a));
            }
        }
        effects = follow;
    }
    quit
}

/// The named judges of every response of `item`.
fn judges_of_item(store: &Store, item: &crate::model::Item) -> rusqlite::Result<ItemJudges> {
    let responses = item
        .responses
        .iter()
        .map(|r| Ok((r.model.clone(), store.judges_of(&item.id, &r.model)?)))
        .collect::<rusqlite::Result<_>>()?;
    Ok(ItemJudges { item_id: item.id.clone(), responses })
}
