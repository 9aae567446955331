//! The filtering step of a search: which tasks hold every word of the query, tested a run of
//! tasks at a time.

use super::Corpus;
use memchr::memmem;
use nucleo_matcher::pattern::{CaseMatching, Normalization, Pattern};
use nucleo_matcher::{Matcher, Utf32Str};

/// Tasks tested in the first block, by one thread; each further block is twice as large (up to
/// [`MAX_BLOCK`] per thread) and split over the cores once it reaches [`PARALLEL_FROM`].
pub(super) const FIRST_BLOCK: usize = 4096;
pub(super) const MAX_BLOCK: usize = 65_536;
pub(super) const PARALLEL_FROM: usize = 16_384;

/// A run of tasks to test: every task of a range, or the listed ones (the previous query's
/// matches, when narrowing).
#[derive(Clone, Copy)]
pub(super) enum Part<'a> {
    Range(usize, usize),
    List(&'a [u32]),
}

impl Part<'_> {
    pub(super) fn len(&self) -> usize {
        match self {
            Part::Range(a, b) => b - a,
            Part::List(l) => l.len(),
        }
    }

    /// The first `n` tasks and the rest.
    pub(super) fn split_at(self, n: usize) -> (Self, Self) {
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
pub(super) struct Words {
    /// Lower-cased, with a substring finder each (built once, not once per text tested).
    pub(super) finders: Vec<memmem::Finder<'static>>,
    /// Fuzzy patterns for the words that look like ids (a digit, `/` or `_`); `None` for others.
    pub(super) id_patterns: Vec<Option<Pattern>>,
}

impl Words {
    pub(super) fn of(query: &str) -> Words {
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
    pub(super) fn filter(&self, corpus: &Corpus, part: Part, matcher: &mut Matcher) -> Vec<u32> {
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

pub(super) fn lower(s: &str) -> String {
    if s.is_ascii() { s.to_ascii_lowercase() } else { s.to_lowercase() }
}
