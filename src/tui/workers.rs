//! The worker threads of the TUI: search over the session's tasks or pairs.

use crate::search::{Corpus, PairSearch, Searcher};
use crate::store::Store;
use std::path::PathBuf;
use std::sync::mpsc::{Receiver, Sender, channel};

/// The search worker thread: receives queries, answers `(query, hits)`; builds its index on the
/// first query (the responses, and the pairs too when `with_pairs`, for adjudicate mode). Only
/// the newest pending query is run.
pub struct SearchWorker {
    pub(crate) queries: Sender<String>,
    pub results: Receiver<(String, Vec<usize>)>,
}

impl SearchWorker {
    pub fn spawn(session: PathBuf, with_pairs: bool) -> SearchWorker {
        let (q_tx, q_rx) = channel::<String>();
        let (r_tx, r_rx) = channel();
        std::thread::Builder::new()
            .name("search".into())
            .spawn(move || {
                let mut searcher: Option<Searcher> = None;
                while let Ok(mut query) = q_rx.recv() {
                    while let Ok(newer) = q_rx.try_recv() {
                        query = newer;
                    }
                    if searcher.is_none() {
                        let corpus = Store::open(&session).map_err(|e| e.to_string()).and_then(|s| {
                            let built =
                                if with_pairs { Corpus::build_with_pairs(&s) } else { Corpus::build(&s) };
                            built.map_err(|e| e.to_string())
                        });
                        match corpus {
                            Ok(c) => searcher = Some(Searcher::new(c)),
                            Err(_) => {
                                let _ = r_tx.send((query, Vec::new()));
                                continue;
                            }
                        }
                        // Queries typed while the index was being built.
                        while let Ok(newer) = q_rx.try_recv() {
                            query = newer;
                        }
                    }
                    let hits = searcher.as_mut().expect("built above").search(&query);
                    if r_tx.send((query, hits)).is_err() {
                        break;
                    }
                }
            })
            .expect("spawning the search thread");
        SearchWorker { queries: q_tx, results: r_rx }
    }

    pub fn ask(&self, query: String) {
        let _ = self.queries.send(query);
    }
}

/// A search worker over the session's pairs, answering task indices of `tasks_of_pairs`
/// (pair id → index into the state's tasks). Same protocol as the responses' worker.
pub fn spawn_search(
    session: std::path::PathBuf,
    tasks_of_pairs: std::collections::HashMap<String, usize>,
) -> SearchWorker {
    let (q_tx, q_rx) = channel::<String>();
    let (r_tx, r_rx) = channel();
    std::thread::Builder::new()
        .name("pair-search".into())
        .spawn(move || {
            let mut searcher: Option<PairSearch> = None;
            while let Ok(mut query) = q_rx.recv() {
                while let Ok(newer) = q_rx.try_recv() {
                    query = newer;
                }
                if searcher.is_none() {
                    let pairs = Store::open(&session)
                        .map_err(|e| e.to_string())
                        .and_then(|s| s.pairs().map_err(|e| e.to_string()));
                    let Ok(pairs) = pairs else {
                        let _ = r_tx.send((query, Vec::new()));
                        continue;
                    };
                    searcher = Some(PairSearch::new(
                        pairs.into_iter().filter_map(|p| tasks_of_pairs.get(&p.id).map(|&t| (t, p))),
                    ));
                }
                let hits = searcher.as_mut().expect("built above").search(&query);
                if r_tx.send((query, hits)).is_err() {
                    break;
                }
            }
        })
        .expect("spawning the pair search thread");
    SearchWorker { queries: q_tx, results: r_rx }
}
