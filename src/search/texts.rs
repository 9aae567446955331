//! The searched texts, end to end in one buffer per kind, with a trigram set per text to rule
//! out most texts without reading them.

use memchr::memmem;

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
    pub(super) fn new() -> Texts {
        Texts { text: String::new(), starts: vec![0], trigrams: None }
    }

    pub(super) fn with_trigrams() -> Texts {
        Texts { trigrams: Some(Vec::new()), ..Texts::new() }
    }

    pub(super) fn reserve(&mut self, texts: usize, bytes_each: usize) {
        self.text.reserve(texts * bytes_each);
        self.starts.reserve(texts);
        if let Some(sets) = &mut self.trigrams {
            sets.reserve(texts);
        }
    }

    /// Appends to the text being built, lower-cased.
    pub(super) fn push_lower(&mut self, part: &str) {
        if part.is_ascii() {
            let at = self.text.len();
            self.text.push_str(part);
            self.text[at..].make_ascii_lowercase();
        } else {
            self.text.push_str(&part.to_lowercase());
        }
    }

    /// Ends the text being built.
    pub(super) fn end(&mut self) {
        if let Some(sets) = &mut self.trigrams {
            let start = *self.starts.last().expect("starts holds 0");
            sets.push(Trigrams::of(&self.text.as_bytes()[start..]));
        }
        self.text.push('\n');
        self.starts.push(self.text.len());
    }

    pub(super) fn push(&mut self, text: &str) {
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
    pub(super) fn mark(&self, word: &memmem::Finder, lo: usize, hi: usize, hits: &mut [bool]) {
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

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    pub(crate) fn texts(all: &[&str]) -> Texts {
        let mut t = Texts::with_trigrams();
        for s in all {
            t.push_lower(s);
            t.end();
        }
        t
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
}
