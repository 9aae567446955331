//! The TUI's worker threads, each a [`Worker`] with its own connection to the session: search
//! over the session's tasks or pairs, and the stats screen's numbers. They answer with actions.

use super::action::Action;
use super::worker::Worker;
use crate::search::{Corpus, PairSearch, Searcher};
use crate::store::Store;
use std::collections::HashMap;
use std::path::PathBuf;

/// Takes queries, answers [`Action::SearchResults`].
pub type SearchWorker = Worker<String, Action>;

/// Takes requests for the stats screen's numbers, answers [`Action::StatsReady`].
pub type StatsWorker = Worker<(), Action>;

fn no_hits(query: String, _: String) -> Action {
    Action::SearchResults { query, hits: Vec::new() }
}

/// Search over the session's responses (and its pairs too when `with_pairs`, for adjudicate
/// mode); the index is built on the first query.
pub fn search(session: PathBuf, with_pairs: bool) -> SearchWorker {
    Worker::spawn(
        "search",
        move || {
            let store = Store::open(&session).map_err(|e| e.to_string())?;
            let corpus = if with_pairs { Corpus::build_with_pairs(&store) } else { Corpus::build(&store) };
            corpus.map(Searcher::new).map_err(|e| e.to_string())
        },
        |searcher, query| {
            let hits = searcher.search(&query);
            Action::SearchResults { query, hits }
        },
        no_hits,
    )
}

/// Search over the session's pairs, answering task indices of `tasks_of_pairs` (pair id →
/// index into the state's tasks).
pub fn pair_search(session: PathBuf, tasks_of_pairs: HashMap<String, usize>) -> SearchWorker {
    Worker::spawn(
        "pair-search",
        move || {
            let store = Store::open(&session).map_err(|e| e.to_string())?;
            let pairs = store.pairs().map_err(|e| e.to_string())?;
            Ok(PairSearch::new(pairs.into_iter().filter_map(|p| tasks_of_pairs.get(&p.id).map(|&t| (t, p)))))
        },
        |searcher, query| {
            let hits = searcher.search(&query);
            Action::SearchResults { query, hits }
        },
        no_hits,
    )
}

/// The stats screen's numbers, computed with a connection of its own.
pub fn stats(session: PathBuf) -> StatsWorker {
    Worker::spawn(
        "stats",
        move || Store::open(&session).map_err(|e| e.to_string()),
        |store, ()| Action::StatsReady(super::stats::compute(store).map(Box::new)),
        |(), e| Action::StatsReady(Err(super::stats::StatsError::Session(e))),
    )
}
