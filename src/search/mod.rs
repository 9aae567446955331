//! Search over a session's tasks: word filtering, then fuzzy ranking (nucleo-matcher). The TUI
//! runs it off the UI thread.
//!
//! What is searched: per item, its id, query, English query and norm; per response, the model
//! name and the first [`RESPONSE_PREFIX_CHARS`] characters of its text (a bounded prefix keeps
//! the index small and each keystroke fast; the opening of a response is what people remember).
//!
//! How: fuzzy matching alone is useless on long texts (almost any few letters occur in order
//! somewhere in 300 characters, so everything matches, and scoring every haystack costs seconds
//! on 300,000 tasks). So each word of the query must occur (case-insensitively) in the task's
//! item text or response text, or, for a word that looks like an id (it has a digit, `/` or
//! `_`), fuzzy-match the item id (`ca/ja1` finds `casa/ja/1`); the first [`RANK_LIMIT`] tasks
//! that pass (in session order) are ranked: nucleo's fuzzy score of the query against the id
//! first, then how early the first word occurs in the item text, then in the response.
//!
//! Speed: only the first [`RANK_LIMIT`] matches are ever ranked, so tasks are tested in session
//! order, in growing blocks, and testing stops once that many have matched (a word found in a
//! third of all texts is settled after a few thousand tasks, not 300,000). The texts are stored
//! end to end in one buffer per kind, so a block is searched with one streaming substring scan
//! per word rather than one call per text. When the query grows by typing (the new query
//! extends the previous one), only the previous query's matches are tested again, then the
//! tasks it had not reached: a task without "kimo" cannot contain "kimon".

mod pairs;
mod texts;
mod words;

pub use pairs::PairSearch;
pub use texts::{Texts, Trigrams};

use crate::store::{Store, StoreError};
use nucleo_matcher::pattern::{CaseMatching, Normalization, Pattern};
use nucleo_matcher::{Config, Matcher, Utf32Str};
use words::{FIRST_BLOCK, MAX_BLOCK, PARALLEL_FROM, Part, Words};

/// Characters of each response that are searched.
pub const RESPONSE_PREFIX_CHARS: usize = 300;
/// Hits returned, best first.
pub const MAX_HITS: usize = 500;
/// Matching tasks ranked with the fuzzy scorer per query.
pub const RANK_LIMIT: usize = 2000;

/// The searchable text of a session, aligned with `Store::task_index()` (responses first, in
/// item and response import order). Texts are kept lower-cased for matching.
pub struct Corpus {
    pub(super) ids: Texts,
    pub(super) items: Texts,
    /// Task index → item index.
    pub(super) task_item: Vec<u32>,
    pub(super) responses: Texts,
}

impl Corpus {
    fn empty() -> Corpus {
        Corpus {
            ids: Texts::new(),
            items: Texts::with_trigrams(),
            task_item: Vec::new(),
            responses: Texts::with_trigrams(),
        }
    }

    /// The session's responses, one task each, in `Store::task_index()` order.
    pub fn build(store: &Store) -> Result<Corpus, StoreError> {
        let mut c = Corpus::empty();
        // Room for typical texts up front, so the buffers are not grown by doubling (each
        // doubling briefly holds the old and the new copy: about twice the memory at the peak).
        // Room never written to is never resident.
        let counts = store.counts()?;
        let (items, responses) = (counts.items as usize, counts.responses as usize);
        c.ids.reserve(items, 32);
        c.items.reserve(items, 640);
        c.responses.reserve(responses, 2 * RESPONSE_PREFIX_CHARS);
        c.task_item.reserve(responses);
        store.for_each_item(|item| {
            let item_ix = c.items.len() as u32;
            c.ids.push(&item.id);
            c.items.push_lower(&item.id);
            for part in [Some(&item.query), item.query_en.as_ref(), item.norm.as_ref()].into_iter().flatten()
            {
                c.items.push_lower(" ");
                c.items.push_lower(part);
            }
            c.items.end();
            for r in &item.responses {
                c.responses.push_lower(&r.model);
                c.responses.push_lower(" ");
                c.responses.push_lower(opening(&r.text));
                c.responses.end();
                c.task_item.push(item_ix);
            }
            Ok(())
        })?;
        Ok(c)
    }

    /// A corpus of preference pairs, one task per pair: the pair's id and prompt stand where an
    /// item's text does, the openings of both responses where a response's does (so neither
    /// which one is chosen nor the order shown matters to the search).
    pub fn of_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str, &'a str, &'a str)>) -> Corpus {
        let mut c = Corpus::empty();
        for (id, prompt, chosen, rejected) in pairs {
            c.push_pair(id, prompt, chosen, rejected);
        }
        c
    }

    /// The session's responses, then its pairs (as in [`Corpus::of_pairs`]): the tasks of
    /// adjudicate mode, in `Store::task_index()` order.
    pub fn build_with_pairs(store: &Store) -> Result<Corpus, StoreError> {
        use crate::messages::as_text;
        let mut c = Corpus::build(store)?;
        for p in store.pairs()? {
            c.push_pair(&p.id, &as_text(&p.prompt), &as_text(&p.chosen), &as_text(&p.rejected));
        }
        Ok(c)
    }

    fn push_pair(&mut self, id: &str, prompt: &str, chosen: &str, rejected: &str) {
        self.task_item.push(self.items.len() as u32);
        self.ids.push(id);
        self.items.push_lower(id);
        self.items.push_lower(" ");
        self.items.push_lower(prompt);
        self.items.end();
        self.responses.push_lower(opening(chosen));
        self.responses.push_lower("\n");
        self.responses.push_lower(opening(rejected));
        self.responses.end();
    }

    pub fn len(&self) -> usize {
        self.responses.len()
    }

    pub fn is_empty(&self) -> bool {
        self.responses.is_empty()
    }
}

/// The first [`RESPONSE_PREFIX_CHARS`] characters of a response.
fn opening(text: &str) -> &str {
    &text[..text.char_indices().nth(RESPONSE_PREFIX_CHARS).map_or(text.len(), |(at, _)| at)]
}

/// What a query matched, kept for narrowing when the next query extends it.
struct LastSearch {
    query: String,
    /// Every task before `scanned_to` that matched, in session order.
    matches: Vec<u32>,
    /// Tasks from here on were not tested (testing stopped once enough had matched).
    scanned_to: usize,
}

/// A search engine over a corpus that remembers its last query's matches for narrowing.
pub struct Searcher {
    corpus: Corpus,
    /// One fuzzy matcher per filtering thread (a matcher keeps scratch memory).
    matchers: Vec<Matcher>,
    last: Option<LastSearch>,
}

fn narrowable(prev: &str, next: &str) -> bool {
    !prev.trim().is_empty() && next.starts_with(prev)
}

impl Searcher {
    pub fn new(corpus: Corpus) -> Searcher {
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).clamp(1, 4);
        Searcher {
            corpus,
            matchers: (0..threads).map(|_| Matcher::new(Config::DEFAULT)).collect(),
            last: None,
        }
    }

    /// Tests the tasks of `work` in session order, in growing blocks, adding the matches to
    /// `matches` until it holds [`RANK_LIMIT`]; returns how much of `work` was tested.
    fn test_until_enough(
        &mut self,
        words: &Words,
        work: Part,
        block: &mut usize,
        matches: &mut Vec<u32>,
    ) -> usize {
        let mut rest = work;
        let mut tested = 0;
        while rest.len() > 0 && matches.len() < RANK_LIMIT {
            let threads = if *block >= PARALLEL_FROM { self.matchers.len() } else { 1 };
            let (wave, after) = rest.split_at(*block * threads);
            let chunk = wave.len().div_ceil(threads).max(1);
            let corpus = &self.corpus;
            let mut matchers = self.matchers.iter_mut();
            let first = matchers.next().expect("at least one matcher");
            std::thread::scope(|scope| {
                let (mine, mut others_work) = wave.split_at(chunk);
                let others: Vec<_> = matchers
                    .take(threads - 1)
                    .map(|m| {
                        let (part, more) = others_work.split_at(chunk);
                        others_work = more;
                        scope.spawn(move || words.filter(corpus, part, m))
                    })
                    .collect();
                matches.extend(words.filter(corpus, mine, first));
                for h in others {
                    matches.extend(h.join().expect("a search thread panicked"));
                }
            });
            tested += wave.len();
            rest = after;
            *block = (*block * 2).min(MAX_BLOCK);
        }
        tested
    }

    /// Task indices matching `query`, best first (at most [`MAX_HITS`]).
    pub fn search(&mut self, query: &str) -> Vec<usize> {
        let last = self.last.take();
        if query.trim().is_empty() {
            return Vec::new();
        }
        let words = Words::of(query);
        let n = self.corpus.len();

        // 1. Filter: the previous query's matches first when the query only grew, then the
        // tasks not tested yet, until enough have matched to rank.
        let mut matches = Vec::new();
        let mut block = FIRST_BLOCK;
        let mut scanned_to = 0;
        if let Some(last) = last.filter(|l| narrowable(&l.query, query)) {
            let tested = self.test_until_enough(&words, Part::List(&last.matches), &mut block, &mut matches);
            // Untested candidates remain: tasks before the next one are settled (they did not
            // even match the shorter query).
            scanned_to = last.matches.get(tested).map_or(last.scanned_to, |&t| t as usize);
        }
        if matches.len() < RANK_LIMIT {
            scanned_to +=
                self.test_until_enough(&words, Part::Range(scanned_to, n), &mut block, &mut matches);
        }

        // 2. Rank the first RANK_LIMIT: a fuzzy id match first (ids are short, so nucleo is
        // cheap there), then tasks whose words occur earliest in the query text or response.
        let corpus = &self.corpus;
        let matcher = &mut self.matchers[0];
        let mut buf = Vec::new();
        let pattern = Pattern::parse(query, CaseMatching::Ignore, Normalization::Smart);
        let first = words.finders.first();
        let mut ranked: Vec<(u32, u32)> = matches
            .iter()
            .take(RANK_LIMIT)
            .map(|&t| {
                let item = corpus.task_item[t as usize] as usize;
                let id = pattern.score(Utf32Str::new(corpus.ids.get(item), &mut buf), matcher).unwrap_or(0);
                let at = first
                    .and_then(|f| {
                        f.find(corpus.items.get(item).as_bytes())
                            .or_else(|| f.find(corpus.responses.get(t as usize).as_bytes()).map(|p| p + 1000))
                    })
                    .unwrap_or(4000);
                let early = 4000u32.saturating_sub(at.min(4000) as u32);
                (id.saturating_mul(8).saturating_add(early), t)
            })
            .collect();
        ranked.sort_unstable_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        ranked.truncate(MAX_HITS);
        self.last = Some(LastSearch { query: query.to_string(), matches, scanned_to });
        ranked.into_iter().map(|(_, t)| t as usize).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::texts::tests::texts;
    use super::words::lower;
    use super::*;

    fn corpus() -> Corpus {
        let mut ids = Texts::new();
        ids.push("casa/ja/1");
        ids.push("casa/ar/2");
        Corpus {
            ids,
            items: texts(&["casa/ja/1 靴を脱いで slippers in japan", "casa/ar/2 هدية gift of alcohol"]),
            task_item: vec![0, 0, 1],
            responses: texts(&[
                "gpt-4o take off your shoes before entering",
                "llava sure, wear your shoes",
                "gpt-4o you could give wine",
            ]),
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
            fresh.last = None;
            let b = fresh.search(&q);
            assert_eq!(a, b, "query {q}");
        }
        assert!(narrowable("sho", "shoe"));
        assert!(narrowable("sho", "sho wear"));
        assert!(!narrowable("sho", "sh"));
    }

    /// A corpus of `n` items with two responses each, from a small vocabulary, so that words
    /// match anywhere from almost every task to none.
    fn big_corpus(n: usize) -> Corpus {
        const WORDS: [&str; 8] = ["tea", "clock", "gift", "shoes", "temple", "red", "wrap", "host"];
        let mut rng = crate::rng::SplitMix64::new(7);
        let mut say = |k: usize| (0..k).map(|_| WORDS[rng.below(8) as usize]).collect::<Vec<_>>().join(" ");
        let (mut ids, mut items, mut responses) =
            (Texts::new(), Texts::with_trigrams(), Texts::with_trigrams());
        let mut task_item = Vec::new();
        for i in 0..n {
            ids.push(&format!("big/{i}"));
            items.push_lower(&format!("big/{i} {}", say(3)));
            items.end();
            for _ in 0..2 {
                responses.push_lower(&say(4));
                responses.end();
                task_item.push(i as u32);
            }
        }
        Corpus { ids, items, task_item, responses }
    }

    /// The matches in session order of a plain test of every task (the definition).
    fn every_match(c: &Corpus, query: &str) -> Vec<u32> {
        let words: Vec<String> = lower(query).split_whitespace().map(str::to_string).collect();
        (0..c.len() as u32)
            .filter(|&t| {
                let item = c.task_item[t as usize] as usize;
                words.iter().all(|w| {
                    c.items.get(item).contains(w.as_str()) || c.responses.get(t as usize).contains(w.as_str())
                })
            })
            .collect()
    }

    #[test]
    fn stopping_early_and_narrowing_rank_the_same_tasks_as_testing_everything() {
        // 40,000 tasks: several blocks, both scan kinds, several threads, early stops.
        let mut s = Searcher::new(big_corpus(20_000));
        for query in [
            "c",
            "cl",
            "clock",
            "clock r",
            "clock re",
            "clock red",
            "clock red tea",
            "templeX",
            "te",
            "temple",
            "temples",
            "gift wrap host",
        ] {
            let hits = s.search(query);
            let all = every_match(&s.corpus, query);
            // The ranked set is the first RANK_LIMIT matches in session order, whatever the path
            // (the kept matches checked below are that prefix); the best MAX_HITS are shown.
            let first: Vec<usize> = all.iter().take(RANK_LIMIT).map(|&t| t as usize).collect();
            assert_eq!(hits.len(), first.len().min(MAX_HITS), "query {query:?}");
            assert!(hits.iter().all(|t| first.binary_search(t).is_ok()), "query {query:?}");
            let last = s.last.as_ref().unwrap();
            assert_eq!(
                last.matches[..],
                all[..last.matches.len()],
                "query {query:?}: the kept matches are a prefix"
            );
            assert!(last.matches.len() >= RANK_LIMIT.min(all.len()), "query {query:?}");
        }
    }
}
