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
use memchr::memmem;
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
    /// The byte pairs in each item text and each response text (see [`Pairs`]), aligned with
    /// `items` and `responses`.
    item_pairs: Vec<Pairs>,
    response_pairs: Vec<Pairs>,
}

/// Which byte pairs occur in a text, hashed into 512 bits: a word can only occur in a text
/// whose set holds every pair of the word. Why: a query word is looked for in every text of
/// the session at each keystroke (about 120 MB on 100,000 items x 3 responses); testing the
/// set first skips most texts without the word (a 5-letter word passes a 300-character text
/// that lacks it about 2% of the time) and leaves the full search to the few that pass.
#[derive(Clone, Copy, Default, PartialEq, Eq)]
pub struct Pairs([u64; 8]);

impl Pairs {
    pub fn of(text: &[u8]) -> Pairs {
        let mut bits = [0u64; 8];
        for w in text.windows(2) {
            let h = ((u32::from(w[0]) << 8 | u32::from(w[1])).wrapping_mul(0x9E37_79B1) >> 23) as usize;
            bits[h >> 6] |= 1 << (h & 63);
        }
        Pairs(bits)
    }

    /// True when every pair of `word` is in `self` (the word may occur in the text).
    #[inline]
    pub fn may_hold(&self, word: &Pairs) -> bool {
        self.0.iter().zip(&word.0).all(|(t, w)| t & w == *w)
    }
}

fn lower(s: &str) -> String {
    if s.is_ascii() { s.to_ascii_lowercase() } else { s.to_lowercase() }
}

impl Corpus {
    pub fn build(store: &Store) -> anyhow::Result<Corpus> {
        let mut c = Corpus {
            ids: Vec::new(),
            items: Vec::new(),
            task_item: Vec::new(),
            responses: Vec::new(),
            item_pairs: Vec::new(),
            response_pairs: Vec::new(),
        };
        store.for_each_item(|item| {
            let mut hay = String::with_capacity(item.id.len() + item.query.len() + 64);
            hay.push_str(&item.id);
            for part in [Some(&item.query), item.query_en.as_ref(), item.norm.as_ref()].into_iter().flatten() {
                hay.push(' ');
                hay.push_str(part);
            }
            let item_ix = c.items.len() as u32;
            c.ids.push(item.id.clone().into_boxed_str());
            let hay = lower(&hay);
            c.item_pairs.push(Pairs::of(hay.as_bytes()));
            c.items.push(hay.into_boxed_str());
            for r in &item.responses {
                let mut h = String::with_capacity(r.model.len() + 1 + RESPONSE_PREFIX_CHARS);
                h.push_str(&r.model);
                h.push(' ');
                h.extend(r.text.chars().take(RESPONSE_PREFIX_CHARS));
                let h = lower(&h);
                c.response_pairs.push(Pairs::of(h.as_bytes()));
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
    /// One fuzzy matcher per filtering thread (a matcher keeps scratch memory).
    matchers: Vec<Matcher>,
    last_query: String,
    /// Every task that matched `last_query` (not only the top hits), in session order.
    last_matches: Option<Vec<u32>>,
}

fn narrowable(prev: &str, next: &str) -> bool {
    !prev.trim().is_empty() && next.starts_with(prev)
}

/// Below this many tasks to test, one thread does it (starting threads would cost more).
const PARALLEL_FROM: usize = 20_000;

/// The words of a query, prepared once per query and shared by the filtering threads.
struct Words {
    /// Lower-cased, with a substring finder each (built once, not once per text tested).
    finders: Vec<memmem::Finder<'static>>,
    /// The byte pairs of each word.
    pairs: Vec<Pairs>,
    /// Fuzzy patterns for the words that look like ids (a digit, `/` or `_`); `None` for others.
    id_patterns: Vec<Option<Pattern>>,
}

impl Words {
    fn of(query: &str) -> Words {
        let words: Vec<String> = lower(query).split_whitespace().map(str::to_string).collect();
        Words {
            finders: words.iter().map(|w| memmem::Finder::new(w.as_bytes()).into_owned()).collect(),
            pairs: words.iter().map(|w| Pairs::of(w.as_bytes())).collect(),
            id_patterns: words
                .iter()
                .map(|w| {
                    (w.contains(['/', '_']) || w.contains(|c: char| c.is_ascii_digit()))
                        .then(|| Pattern::parse(w, CaseMatching::Ignore, Normalization::Smart))
                })
                .collect(),
        }
    }

    /// The tasks of `tasks` in which every word occurs in the item text or response text, or
    /// (for id-like words) fuzzily in the item id; in the order given.
    fn filter(&self, corpus: &Corpus, tasks: impl Iterator<Item = u32>, matcher: &mut Matcher) -> Vec<u32> {
        let mut out = Vec::new();
        let mut buf = Vec::new();
        let mut last_item = u32::MAX;
        // Per word: found in the item text or id (the same for every response of the item).
        let mut item_has = vec![false; self.finders.len()];
        for t in tasks {
            let item = corpus.task_item[t as usize];
            if item != last_item {
                last_item = item;
                let text = corpus.items[item as usize].as_bytes();
                let pairs = &corpus.item_pairs[item as usize];
                for (k, f) in self.finders.iter().enumerate() {
                    item_has[k] = (pairs.may_hold(&self.pairs[k]) && f.find(text).is_some())
                        || self.id_patterns[k].as_ref().is_some_and(|p| {
                            p.score(Utf32Str::new(&corpus.ids[item as usize], &mut buf), matcher).is_some()
                        });
                }
            }
            let resp = corpus.responses[t as usize].as_bytes();
            let pairs = &corpus.response_pairs[t as usize];
            if self
                .finders
                .iter()
                .enumerate()
                .all(|(k, f)| item_has[k] || (pairs.may_hold(&self.pairs[k]) && f.find(resp).is_some()))
            {
                out.push(t);
            }
        }
        out
    }
}

impl Searcher {
    pub fn new(corpus: Corpus) -> Searcher {
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).clamp(1, 4);
        Searcher {
            corpus,
            matchers: (0..threads).map(|_| Matcher::new(Config::DEFAULT)).collect(),
            last_query: String::new(),
            last_matches: None,
        }
    }

    /// Task indices matching `query`, best first (at most [`MAX_HITS`]).
    pub fn search(&mut self, query: &str) -> Vec<usize> {
        if query.trim().is_empty() {
            self.last_query.clear();
            self.last_matches = None;
            return Vec::new();
        }
        let words = Words::of(query);
        let candidates: Option<Vec<u32>> =
            if narrowable(&self.last_query, query) { self.last_matches.take() } else { None };

        // 1. Filter, split over the cores in contiguous chunks (so the result stays in session
        // order): each keystroke may read every text of the session.
        let corpus = &self.corpus;
        let total = candidates.as_ref().map_or(corpus.len(), Vec::len);
        let threads = if total >= PARALLEL_FROM { self.matchers.len() } else { 1 };
        let chunk = total.div_ceil(threads).max(1);
        let task_at = |k: usize| candidates.as_ref().map_or(k as u32, |c| c[k]);
        let words_ref = &words;
        let matches: Vec<u32> = std::thread::scope(|scope| {
            let mut matchers = self.matchers.iter_mut();
            let first = matchers.next().expect("at least one matcher");
            let others: Vec<_> = matchers
                .take(threads - 1)
                .enumerate()
                .map(|(n, m)| {
                    let range = ((n + 1) * chunk).min(total)..((n + 2) * chunk).min(total);
                    scope.spawn(move || words_ref.filter(corpus, range.map(task_at), m))
                })
                .collect();
            let mut all = words_ref.filter(corpus, (0..chunk.min(total)).map(task_at), first);
            for h in others {
                all.extend(h.join().expect("a search thread panicked"));
            }
            all
        });

        // 2. Rank a bounded number of them: a fuzzy id match first (ids are short, so nucleo is
        // cheap there), then tasks whose words occur earliest in the query text or response.
        let matcher = &mut self.matchers[0];
        let mut buf = Vec::new();
        let pattern = Pattern::parse(query, CaseMatching::Ignore, Normalization::Smart);
        let first = words.finders.first();
        let mut ranked: Vec<(u32, u32)> = matches
            .iter()
            .take(RANK_LIMIT)
            .map(|&t| {
                let item = corpus.task_item[t as usize] as usize;
                let id = pattern.score(Utf32Str::new(&corpus.ids[item], &mut buf), matcher).unwrap_or(0);
                let at = first
                    .and_then(|f| {
                        f.find(corpus.items[item].as_bytes())
                            .or_else(|| f.find(corpus.responses[t as usize].as_bytes()).map(|p| p + 1000))
                    })
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
        let items: Vec<Box<str>> = vec!["casa/ja/1 靴を脱いで slippers in japan".into(), "casa/ar/2 هدية gift of alcohol".into()];
        let responses: Vec<Box<str>> = vec![
            "gpt-4o take off your shoes before entering".into(),
            "llava sure, wear your shoes".into(),
            "gpt-4o you could give wine".into(),
        ];
        Corpus {
            ids: vec!["casa/ja/1".into(), "casa/ar/2".into()],
            item_pairs: items.iter().map(|t| Pairs::of(t.as_bytes())).collect(),
            items,
            task_item: vec![0, 0, 1],
            response_pairs: responses.iter().map(|t| Pairs::of(t.as_bytes())).collect(),
            responses,
        }
    }

    proptest::proptest! {
        /// The pair sets never rule out a text that holds the word (no false negatives).
        #[test]
        fn pairs_never_miss_a_word_the_text_holds(text in ".{0,200}", start in 0usize..200, len in 0usize..12) {
            let chars: Vec<char> = text.chars().collect();
            let start = start.min(chars.len());
            let word: String = chars[start..(start + len).min(chars.len())].iter().collect();
            proptest::prop_assert!(Pairs::of(text.as_bytes()).may_hold(&Pairs::of(word.as_bytes())));
        }
    }

    #[test]
    fn pairs_rule_out_most_texts_without_the_word() {
        let text = "the host may consider a thoughtful alternative such as tea sweets or a handwritten card because local tradition associates this object with funerals";
        let t = Pairs::of(text.as_bytes());
        assert!(!t.may_hold(&Pairs::of(b"clock")));
        assert!(!t.may_hold(&Pairs::of("結婚".as_bytes())));
        assert!(t.may_hold(&Pairs::of(b"funeral")));
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
