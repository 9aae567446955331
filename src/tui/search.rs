//! Fuzzy search (nucleo-matcher) off the UI thread.
//!
//! What is searched: per item, its id, query, English query and norm; per response, the model
//! name and the first [`RESPONSE_PREFIX_CHARS`] characters of its text (a bounded prefix keeps
//! the index small and each keystroke fast; the opening of a response is what people remember).
//! A task's score is the better of its item's and its response's.
//!
//! The index is built lazily by the worker on the first search, from its own read connection,
//! so opening the session stays fast. When the query grows by typing (the new query extends the
//! previous one and uses no negation or anchors), only the previous query's matches are scored
//! again: a haystack that does not match "kimo" cannot match "kimon".

use crate::store::Store;
use nucleo_matcher::pattern::{CaseMatching, Normalization, Pattern};
use nucleo_matcher::{Config, Matcher, Utf32Str};
use std::path::PathBuf;
use std::sync::mpsc::{Receiver, Sender, channel};

/// Characters of each response that are searched.
pub const RESPONSE_PREFIX_CHARS: usize = 300;
/// Hits returned, best first.
pub const MAX_HITS: usize = 500;

/// The searchable text of a session, aligned with `Store::task_index()` (responses first, in
/// item and response import order).
pub struct Corpus {
    items: Vec<Box<str>>,
    /// Task index → item index.
    task_item: Vec<u32>,
    responses: Vec<Box<str>>,
}

impl Corpus {
    pub fn build(store: &Store) -> anyhow::Result<Corpus> {
        let mut c = Corpus { items: Vec::new(), task_item: Vec::new(), responses: Vec::new() };
        store.for_each_item(|item| {
            let mut hay = String::with_capacity(item.id.len() + item.query.len() + 64);
            hay.push_str(&item.id);
            for part in [Some(&item.query), item.query_en.as_ref(), item.norm.as_ref()].into_iter().flatten() {
                hay.push(' ');
                hay.push_str(part);
            }
            let item_ix = c.items.len() as u32;
            c.items.push(hay.into_boxed_str());
            for r in &item.responses {
                let mut h = String::with_capacity(r.model.len() + 1 + RESPONSE_PREFIX_CHARS);
                h.push_str(&r.model);
                h.push(' ');
                h.extend(r.text.chars().take(RESPONSE_PREFIX_CHARS));
                c.responses.push(h.into_boxed_str());
                c.task_item.push(item_ix);
            }
            Ok(())
        })?;
        Ok(c)
    }

    pub fn len(&self) -> usize {
        self.responses.len()
    }

    pub fn is_empty(&self) -> bool {
        self.responses.is_empty()
    }
}

/// A search engine over a corpus that remembers its last query's matches for narrowing.
pub struct Searcher {
    corpus: Corpus,
    matcher: Matcher,
    last_query: String,
    /// Every task that matched `last_query` (not only the top hits).
    last_matches: Option<Vec<u32>>,
    buf: Vec<char>,
}

fn narrowable(prev: &str, next: &str) -> bool {
    !prev.is_empty() && next.starts_with(prev) && !next.contains(['!', '^', '$', '\'', '\\'])
}

impl Searcher {
    pub fn new(corpus: Corpus) -> Searcher {
        Searcher {
            corpus,
            matcher: Matcher::new(Config::DEFAULT),
            last_query: String::new(),
            last_matches: None,
            buf: Vec::new(),
        }
    }

    /// Task indices matching `query`, best first (at most [`MAX_HITS`]).
    pub fn search(&mut self, query: &str) -> Vec<usize> {
        if query.trim().is_empty() {
            self.last_query.clear();
            self.last_matches = None;
            return Vec::new();
        }
        let pattern = Pattern::parse(query, CaseMatching::Smart, Normalization::Smart);
        let candidates: Option<Vec<u32>> =
            if narrowable(&self.last_query, query) { self.last_matches.take() } else { None };
        let mut scored: Vec<(u32, u32)> = Vec::new();
        let mut last_item = u32::MAX;
        let mut item_score: Option<u32> = None;
        let mut score_task = |t: u32, s: &mut Searcher| {
            let item = s.corpus.task_item[t as usize];
            if item != last_item {
                last_item = item;
                item_score = pattern.score(Utf32Str::new(&s.corpus.items[item as usize], &mut s.buf), &mut s.matcher);
            }
            let resp = pattern.score(Utf32Str::new(&s.corpus.responses[t as usize], &mut s.buf), &mut s.matcher);
            if let Some(best) = item_score.max(resp) {
                scored.push((best, t));
            }
        };
        match candidates {
            Some(c) => {
                for t in c {
                    score_task(t, self);
                }
            }
            None => {
                for t in 0..self.corpus.len() as u32 {
                    score_task(t, self);
                }
            }
        }
        let mut matches: Vec<u32> = scored.iter().map(|&(_, t)| t).collect();
        matches.sort_unstable();
        self.last_matches = Some(matches);
        self.last_query = query.to_string();
        // Best first; ties in session order.
        if scored.len() > MAX_HITS {
            scored.select_nth_unstable_by(MAX_HITS, |a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
            scored.truncate(MAX_HITS);
        }
        scored.sort_unstable_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        scored.into_iter().map(|(_, t)| t as usize).collect()
    }
}

/// The search worker thread: receives queries, answers `(query, hits)`; builds its index on the
/// first query. Only the newest pending query is run.
pub struct SearchWorker {
    pub(crate) queries: Sender<String>,
    pub results: Receiver<(String, Vec<usize>)>,
}

impl SearchWorker {
    pub fn spawn(session: PathBuf) -> SearchWorker {
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
                        let corpus = Store::open(&session)
                            .map_err(|e| e.to_string())
                            .and_then(|s| Corpus::build(&s).map_err(|e| e.to_string()));
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

#[cfg(test)]
mod tests {
    use super::*;

    fn corpus() -> Corpus {
        Corpus {
            items: vec!["casa/ja/1 靴を脱いで slippers in Japan".into(), "casa/ar/2 هدية gift of alcohol".into()],
            task_item: vec![0, 0, 1],
            responses: vec![
                "gpt-4o Take off your shoes before entering".into(),
                "llava Sure, wear your shoes".into(),
                "gpt-4o You could give wine".into(),
            ],
        }
    }

    #[test]
    fn finds_items_and_responses() {
        let mut s = Searcher::new(corpus());
        let hits = s.search("slippers");
        assert_eq!(hits.len(), 2);
        assert!(hits.contains(&0) && hits.contains(&1));
        assert_eq!(s.search("wine"), vec![2]);
        assert_eq!(s.search("靴"), vec![0, 1]);
        assert!(s.search("").is_empty());
        assert!(s.search("zzzzqqq").is_empty());
    }

    #[test]
    fn narrowing_gives_the_same_answer_as_a_full_search() {
        let mut narrowing = Searcher::new(corpus());
        let mut fresh = Searcher::new(corpus());
        let mut q = String::new();
        for c in "shoes".chars() {
            q.push(c);
            let a = narrowing.search(&q);
            fresh.last_matches = None;
            fresh.last_query.clear();
            let b = fresh.search(&q);
            assert_eq!(a, b, "query {q}");
        }
        assert!(narrowable("sho", "shoe"));
        assert!(!narrowable("sho", "sh"));
        assert!(!narrowable("sho", "sho !x"));
    }
}
