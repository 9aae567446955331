//! Search off the UI thread: word filtering, then fuzzy ranking (nucleo-matcher).
//!
//! What is searched: per item, its id, query, English query and norm; per response, the model
//! name and the first [`RESPONSE_PREFIX_CHARS`] characters of its text (a bounded prefix keeps
//! the index small and each keystroke fast; the opening of a response is what people remember).
//!
//! How: fuzzy matching alone is useless on long texts (almost any few letters occur in order
//! somewhere in 300 characters, so everything matches, and scoring every haystack costs seconds
//! on 300,000 tasks). So each word of the query must occur (case-insensitively) in the task's
//! item text or response text, or, for a word that looks like an id (it has a digit, `/` or
//! `_`), fuzzy-match the item id (`ca/ja1` finds `casa/ja/1`); at most [`RANK_LIMIT`] of the
//! tasks that pass (in session order) are ranked: nucleo's fuzzy score of the query against the
//! id first, then how early the first word occurs in the item text, then in the response.
//!
//! When the query grows by typing (the new query extends the previous one), only the previous
//! query's matches are tested again: a task without "kimo" cannot contain "kimon".

use crate::store::Store;
use nucleo_matcher::pattern::{CaseMatching, Normalization, Pattern};
use nucleo_matcher::{Config, Matcher, Utf32Str};
use std::path::PathBuf;
use std::sync::mpsc::{Receiver, Sender, channel};

/// Characters of each response that are searched.
pub const RESPONSE_PREFIX_CHARS: usize = 300;
/// Hits returned, best first.
pub const MAX_HITS: usize = 500;
/// Matching tasks ranked with the fuzzy scorer per query.
pub const RANK_LIMIT: usize = 2000;

/// The searchable text of a session, aligned with `Store::task_index()` (responses first, in
/// item and response import order). Texts are kept lower-cased for matching.
pub struct Corpus {
    ids: Vec<Box<str>>,
    items: Vec<Box<str>>,
    /// Task index → item index.
    task_item: Vec<u32>,
    responses: Vec<Box<str>>,
}

fn lower(s: &str) -> String {
    if s.is_ascii() { s.to_ascii_lowercase() } else { s.to_lowercase() }
}

impl Corpus {
    pub fn build(store: &Store) -> anyhow::Result<Corpus> {
        let mut c = Corpus { ids: Vec::new(), items: Vec::new(), task_item: Vec::new(), responses: Vec::new() };
        store.for_each_item(|item| {
            let mut hay = String::with_capacity(item.id.len() + item.query.len() + 64);
            hay.push_str(&item.id);
            for part in [Some(&item.query), item.query_en.as_ref(), item.norm.as_ref()].into_iter().flatten() {
                hay.push(' ');
                hay.push_str(part);
            }
            let item_ix = c.items.len() as u32;
            c.ids.push(item.id.clone().into_boxed_str());
            c.items.push(lower(&hay).into_boxed_str());
            for r in &item.responses {
                let mut h = String::with_capacity(r.model.len() + 1 + RESPONSE_PREFIX_CHARS);
                h.push_str(&r.model);
                h.push(' ');
                h.extend(r.text.chars().take(RESPONSE_PREFIX_CHARS));
                c.responses.push(lower(&h).into_boxed_str());
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
    /// Every task that matched `last_query` (not only the top hits), in session order.
    last_matches: Option<Vec<u32>>,
    buf: Vec<char>,
}

fn narrowable(prev: &str, next: &str) -> bool {
    !prev.trim().is_empty() && next.starts_with(prev)
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
        let words: Vec<String> = lower(query).split_whitespace().map(str::to_string).collect();
        let id_patterns: Vec<Pattern> =
            words.iter().map(|w| Pattern::parse(w, CaseMatching::Ignore, Normalization::Smart)).collect();
        // Only words that look like ids are also matched fuzzily against ids: fuzzy matching
        // costs far more than a substring test.
        let id_like: Vec<bool> = words.iter().map(|w| w.contains(['/', '_']) || w.contains(|c: char| c.is_ascii_digit())).collect();
        let candidates: Option<Vec<u32>> =
            if narrowable(&self.last_query, query) { self.last_matches.take() } else { None };

        // 1. Filter: every word in the item text, the response text, or fuzzily in the id.
        let mut matches: Vec<u32> = Vec::new();
        let mut last_item = u32::MAX;
        // Per word: found in the item text or id (the same for every response of the item).
        let mut item_has: Vec<bool> = vec![false; words.len()];
        let corpus = &self.corpus;
        let matcher = &mut self.matcher;
        let buf = &mut self.buf;
        let mut test = |t: u32| {
            let item = corpus.task_item[t as usize];
            if item != last_item {
                last_item = item;
                let text = &corpus.items[item as usize];
                for (k, w) in words.iter().enumerate() {
                    item_has[k] = text.contains(w.as_str())
                        || (id_like[k]
                            && id_patterns[k].score(Utf32Str::new(&corpus.ids[item as usize], buf), matcher).is_some());
                }
            }
            let resp = &corpus.responses[t as usize];
            if words.iter().enumerate().all(|(k, w)| item_has[k] || resp.contains(w.as_str())) {
                matches.push(t);
            }
        };
        match candidates {
            Some(c) => c.into_iter().for_each(&mut test),
            None => (0..corpus.len() as u32).for_each(&mut test),
        }

        // 2. Rank a bounded number of them: a fuzzy id match first (ids are short, so nucleo is
        // cheap there), then tasks whose words occur earliest in the query text or response.
        let pattern = Pattern::parse(query, CaseMatching::Ignore, Normalization::Smart);
        let first = words.first().map(String::as_str).unwrap_or("");
        let mut ranked: Vec<(u32, u32)> = matches
            .iter()
            .take(RANK_LIMIT)
            .map(|&t| {
                let item = corpus.task_item[t as usize] as usize;
                let id = pattern.score(Utf32Str::new(&corpus.ids[item], buf), matcher).unwrap_or(0);
                let at = corpus.items[item]
                    .find(first)
                    .or_else(|| corpus.responses[t as usize].find(first).map(|p| p + 1000))
                    .unwrap_or(4000);
                let early = 4000u32.saturating_sub(at.min(4000) as u32);
                (id.saturating_mul(8).saturating_add(early), t)
            })
            .collect();
        ranked.sort_unstable_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        ranked.truncate(MAX_HITS);
        self.last_matches = Some(matches);
        self.last_query = query.to_string();
        ranked.into_iter().map(|(_, t)| t as usize).collect()
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
            ids: vec!["casa/ja/1".into(), "casa/ar/2".into()],
            items: vec!["casa/ja/1 靴を脱いで slippers in japan".into(), "casa/ar/2 هدية gift of alcohol".into()],
            task_item: vec![0, 0, 1],
            responses: vec![
                "gpt-4o take off your shoes before entering".into(),
                "llava sure, wear your shoes".into(),
                "gpt-4o you could give wine".into(),
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
        // Every word must be found; case does not matter.
        assert_eq!(s.search("Shoes WEAR"), vec![1]);
        // Id-like words match ids fuzzily.
        assert_eq!(s.search("car2"), vec![2]);
        assert_eq!(s.search("ca/ja1"), vec![0, 1]);
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
        assert!(narrowable("sho", "sho wear"));
        assert!(!narrowable("sho", "sh"));
    }
}
