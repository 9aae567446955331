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

use crate::store::Store;
use memchr::memmem;
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

/// Texts end to end in one buffer, each followed by a newline. Why: one allocation instead of
/// one per text (the index builds faster and reads sequentially), and a word is looked for in a
/// whole run of texts with one `memmem` scan. A query word never holds whitespace, so no match
/// can span two texts.
pub struct Texts {
    text: String,
    /// Where each text starts, then the end of the buffer: text `i` is
    /// `text[starts[i]..starts[i + 1] - 1]`.
    starts: Vec<usize>,
    /// The trigrams of each text (see [`Trigrams`]), when kept.
    trigrams: Option<Vec<Trigrams>>,
}

/// Which byte trigrams occur in a text, hashed into 512 bits: a word can only occur in a text
/// whose set holds every trigram of the word. Why: a word found nowhere (the keystroke that
/// makes a query match nothing) has to be sought through every text of the session, about
/// 120 MB on 100,000 items x 3 responses; one 64-byte set per text rules out most texts
/// without reading them (a text that lacks one of the word's trigrams still passes about a
/// third of the time, two about a tenth).
#[derive(Clone, Copy, Default, PartialEq, Eq)]
pub struct Trigrams([u64; 8]);

impl Trigrams {
    pub fn of(text: &[u8]) -> Trigrams {
        let mut bits = [0u64; 8];
        for w in text.windows(3) {
            let h = ((u32::from(w[0]) << 16 | u32::from(w[1]) << 8 | u32::from(w[2]))
                .wrapping_mul(0x9E37_79B1)
                >> 23) as usize;
            bits[h >> 6] |= 1 << (h & 63);
        }
        Trigrams(bits)
    }

    /// True when every trigram of `word` is in `self` (the word may occur in the text).
    #[inline]
    pub fn may_hold(&self, word: &Trigrams) -> bool {
        self.0.iter().zip(&word.0).all(|(t, w)| t & w == *w)
    }
}

impl Texts {
    fn new() -> Texts {
        Texts { text: String::new(), starts: vec![0], trigrams: None }
    }

    fn with_trigrams() -> Texts {
        Texts { trigrams: Some(Vec::new()), ..Texts::new() }
    }

    fn reserve(&mut self, texts: usize, bytes_each: usize) {
        self.text.reserve(texts * bytes_each);
        self.starts.reserve(texts);
        if let Some(sets) = &mut self.trigrams {
            sets.reserve(texts);
        }
    }

    /// Appends to the text being built, lower-cased.
    fn push_lower(&mut self, part: &str) {
        if part.is_ascii() {
            let at = self.text.len();
            self.text.push_str(part);
            self.text[at..].make_ascii_lowercase();
        } else {
            self.text.push_str(&part.to_lowercase());
        }
    }

    /// Ends the text being built.
    fn end(&mut self) {
        if let Some(sets) = &mut self.trigrams {
            let start = *self.starts.last().expect("starts holds 0");
            sets.push(Trigrams::of(&self.text.as_bytes()[start..]));
        }
        self.text.push('\n');
        self.starts.push(self.text.len());
    }

    fn push(&mut self, text: &str) {
        self.text.push_str(text);
        self.end();
    }

    pub fn len(&self) -> usize {
        self.starts.len() - 1
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn get(&self, i: usize) -> &str {
        &self.text[self.starts[i]..self.starts[i + 1] - 1]
    }

    /// Sets `hits[i - lo]` for every text `i` in `lo..hi` that holds the word: a word of three
    /// bytes or more in the texts whose trigram sets allow it, a shorter one sought once through
    /// the run of texts, skipping to the next text after each find.
    fn mark(&self, word: &memmem::Finder, lo: usize, hi: usize, hits: &mut [bool]) {
        if let Some(sets) = self.trigrams.as_ref().filter(|_| word.needle().len() >= 3) {
            let word_set = Trigrams::of(word.needle());
            for (i, hit) in (lo..hi).zip(hits.iter_mut()) {
                *hit = sets[i].may_hold(&word_set) && word.find(self.get(i).as_bytes()).is_some();
            }
            return;
        }
        let bytes = self.text.as_bytes();
        let end = self.starts[hi];
        let mut pos = self.starts[lo];
        let mut i = lo;
        while pos < end {
            let Some(found) = word.find(&bytes[pos..end]) else { break };
            // The text holding the find: skip the starts at or before it.
            i += self.starts[i + 1..=hi].partition_point(|&s| s <= pos + found);
            hits[i - lo] = true;
            i += 1;
            pos = self.starts[i];
        }
    }
}

/// The searchable text of a session, aligned with `Store::task_index()` (responses first, in
/// item and response import order). Texts are kept lower-cased for matching.
pub struct Corpus {
    ids: Texts,
    items: Texts,
    /// Task index → item index.
    task_item: Vec<u32>,
    responses: Texts,
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
    pub fn build(store: &Store) -> anyhow::Result<Corpus> {
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
    pub fn build_with_pairs(store: &Store) -> anyhow::Result<Corpus> {
        use super::pairs::as_text;
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

/// Tasks tested in the first block, by one thread; each further block is twice as large (up to
/// [`MAX_BLOCK`] per thread) and split over the cores once it reaches [`PARALLEL_FROM`].
const FIRST_BLOCK: usize = 4096;
const MAX_BLOCK: usize = 65_536;
const PARALLEL_FROM: usize = 16_384;

/// A run of tasks to test: every task of a range, or the listed ones (the previous query's
/// matches, when narrowing).
#[derive(Clone, Copy)]
enum Part<'a> {
    Range(usize, usize),
    List(&'a [u32]),
}

impl Part<'_> {
    fn len(&self) -> usize {
        match self {
            Part::Range(a, b) => b - a,
            Part::List(l) => l.len(),
        }
    }

    /// The first `n` tasks and the rest.
    fn split_at(self, n: usize) -> (Self, Self) {
        match self {
            Part::Range(a, b) => (Part::Range(a, (a + n).min(b)), Part::Range((a + n).min(b), b)),
            Part::List(l) => {
                let (x, y) = l.split_at(n.min(l.len()));
                (Part::List(x), Part::List(y))
            }
        }
    }
}

/// The words of a query, prepared once per query and shared by the filtering threads.
struct Words {
    /// Lower-cased, with a substring finder each (built once, not once per text tested).
    finders: Vec<memmem::Finder<'static>>,
    /// Fuzzy patterns for the words that look like ids (a digit, `/` or `_`); `None` for others.
    id_patterns: Vec<Option<Pattern>>,
}

impl Words {
    fn of(query: &str) -> Words {
        let words: Vec<String> = lower(query).split_whitespace().map(str::to_string).collect();
        Words {
            finders: words.iter().map(|w| memmem::Finder::new(w.as_bytes()).into_owned()).collect(),
            id_patterns: words
                .iter()
                .map(|w| {
                    (w.contains(['/', '_']) || w.contains(|c: char| c.is_ascii_digit()))
                        .then(|| Pattern::parse(w, CaseMatching::Ignore, Normalization::Smart))
                })
                .collect(),
        }
    }

    /// Whether word `k` is in item `item`'s text or (for an id-like word) fuzzily in its id.
    fn item_has(
        &self,
        k: usize,
        corpus: &Corpus,
        item: usize,
        matcher: &mut Matcher,
        buf: &mut Vec<char>,
    ) -> bool {
        self.finders[k].find(corpus.items.get(item).as_bytes()).is_some()
            || self.id_patterns[k]
                .as_ref()
                .is_some_and(|p| p.score(Utf32Str::new(corpus.ids.get(item), buf), matcher).is_some())
    }

    /// The tasks of `part` in which every word occurs in the item text or response text, or
    /// (for id-like words) fuzzily in the item id; in session order. Word by word: while most
    /// tasks are still in the running, a word is sought through the part's run of texts in one
    /// scan; once few are, in each remaining task's texts.
    fn filter(&self, corpus: &Corpus, part: Part, matcher: &mut Matcher) -> Vec<u32> {
        let mut buf = Vec::new();
        let (mut alive, span) = match part {
            Part::Range(a, b) if a < b => ((a as u32..b as u32).collect::<Vec<u32>>(), Some((a, b))),
            Part::Range(..) => return Vec::new(),
            Part::List(l) => (l.to_vec(), None),
        };
        let mut item_hits = Vec::new();
        let mut response_hits = Vec::new();
        for k in 0..self.finders.len() {
            match span {
                Some((a, b)) if alive.len() * 8 >= b - a => {
                    let (ia, ib) = (corpus.task_item[a] as usize, corpus.task_item[b - 1] as usize + 1);
                    item_hits.clear();
                    item_hits.resize(ib - ia, false);
                    corpus.items.mark(&self.finders[k], ia, ib, &mut item_hits);
                    if self.id_patterns[k].is_some() {
                        for (j, hit) in item_hits.iter_mut().enumerate() {
                            *hit = *hit || self.item_has(k, corpus, ia + j, matcher, &mut buf);
                        }
                    }
                    response_hits.clear();
                    response_hits.resize(b - a, false);
                    corpus.responses.mark(&self.finders[k], a, b, &mut response_hits);
                    alive.retain(|&t| {
                        item_hits[corpus.task_item[t as usize] as usize - ia] || response_hits[t as usize - a]
                    });
                }
                _ => {
                    // Tasks come item by item: test an item's text once for all its responses.
                    let mut last_item = (usize::MAX, false);
                    alive.retain(|&t| {
                        let item = corpus.task_item[t as usize] as usize;
                        if last_item.0 != item {
                            last_item = (item, self.item_has(k, corpus, item, matcher, &mut buf));
                        }
                        last_item.1
                            || self.finders[k].find(corpus.responses.get(t as usize).as_bytes()).is_some()
                    });
                }
            }
            if alive.is_empty() {
                break;
            }
        }
        alive
    }
}

fn lower(s: &str) -> String {
    if s.is_ascii() { s.to_ascii_lowercase() } else { s.to_lowercase() }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(all: &[&str]) -> Texts {
        let mut t = Texts::with_trigrams();
        for s in all {
            t.push_lower(s);
            t.end();
        }
        t
    }

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
    fn trigram_sets_rule_out_most_texts_without_the_word() {
        let text = "the host may consider a thoughtful alternative such as tea sweets or a handwritten card because local tradition associates this object with funerals";
        let t = Trigrams::of(text.as_bytes());
        assert!(!t.may_hold(&Trigrams::of(b"clock")));
        assert!(!t.may_hold(&Trigrams::of("結婚".as_bytes())));
        assert!(t.may_hold(&Trigrams::of(b"funeral")));
        assert!(t.may_hold(&Trigrams::of(b"al ")));
    }

    #[test]
    fn texts_are_kept_apart_and_lower_cased() {
        let t = texts(&["Ab", "", "ÇA va", "x"]);
        assert_eq!((t.len(), t.get(0), t.get(1), t.get(2), t.get(3)), (4, "ab", "", "ça va", "x"));
        let word = memmem::Finder::new("a");
        let mut hits = vec![false; 4];
        t.mark(&word, 0, 4, &mut hits);
        assert_eq!(hits, [true, false, true, false]);
        // Only the asked run of texts is searched.
        let mut hits = vec![false; 2];
        t.mark(&word, 1, 3, &mut hits);
        assert_eq!(hits, [false, true]);
        // A word cannot span two texts (they are kept apart by a newline, which no word holds).
        let mut hits = vec![false; 2];
        texts(&["ab", "cd"]).mark(&memmem::Finder::new("bc"), 0, 2, &mut hits);
        assert_eq!(hits, [false, false]);
    }

    proptest::proptest! {
        /// One scan through a run of texts finds exactly the texts that hold the word.
        #[test]
        fn marking_a_run_agrees_with_testing_each_text(
            all in proptest::collection::vec("[abc é]{0,12}", 0..30), word in "[abcé]{1,4}", lo in 0usize..30, len in 0usize..30,
        ) {
            let all: Vec<&str> = all.iter().map(String::as_str).collect();
            let lo = lo.min(all.len());
            let hi = (lo + len).min(all.len());
            let expected: Vec<bool> = all[lo..hi].iter().map(|s| s.contains(word.as_str())).collect();
            // With trigram sets (items, responses) and without (ids).
            let mut plain = Texts::new();
            for s in &all {
                plain.push(s);
            }
            for t in [texts(&all), plain] {
                let mut hits = vec![false; hi - lo];
                t.mark(&memmem::Finder::new(&word), lo, hi, &mut hits);
                proptest::prop_assert_eq!(&hits, &expected);
            }
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
