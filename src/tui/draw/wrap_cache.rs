//! Wrapped text, computed once per (text, width) and reused by the following frames. A model
//! response can be a megabyte: sanitizing, wrapping and reordering it takes about 150 ms, far
//! too long to redo on every frame (every key and every tick redraws), while the frames
//! themselves only show the visible lines. The cache is per thread (the UI draws on one thread)
//! and holds a few entries: the task view's response, or the two sides of a pair and the prompt.
//! An entry is found by comparing the text itself (a memory comparison, microseconds for a
//! megabyte), so a changed text, even at the same address and length, is never shown stale.

use crate::text::{self, DisplayLine};
use std::cell::RefCell;
use std::rc::Rc;

const ENTRIES: usize = 6;
/// Texts shorter than this are wrapped on every frame: the copy kept for the comparison would
/// cost more than it saves.
const MIN_CACHED_BYTES: usize = 4096;

struct Entry {
    text: String,
    width: usize,
    lines: Rc<Vec<DisplayLine>>,
}

thread_local! {
    static CACHE: RefCell<Vec<Entry>> = const { RefCell::new(Vec::new()) };
}

/// `text::display_lines(text, width)`, from the cache when this text was wrapped at this width
/// recently.
pub fn display_lines(text: &str, width: usize) -> Rc<Vec<DisplayLine>> {
    if text.len() < MIN_CACHED_BYTES {
        return Rc::new(text::display_lines(text, width));
    }
    CACHE.with(|cache| {
        let mut cache = cache.borrow_mut();
        if let Some(k) = cache.iter().position(|e| e.width == width && e.text == text) {
            // Most recently used last.
            let e = cache.remove(k);
            let lines = Rc::clone(&e.lines);
            cache.push(e);
            return lines;
        }
        let lines = Rc::new(text::display_lines(text, width));
        if cache.len() == ENTRIES {
            cache.remove(0);
        }
        cache.push(Entry { text: text.to_string(), width, lines: Rc::clone(&lines) });
        lines
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_as_uncached_and_follows_changes() {
        let long = "日本語のテキスト and some words, ".repeat(400);
        for w in [10, 54, 117] {
            assert_eq!(*display_lines(&long, w), text::display_lines(&long, w));
            assert_eq!(*display_lines(&long, w), text::display_lines(&long, w), "from the cache");
        }
        // Same length, different content: not the cached lines.
        let changed = long.replacen("and", "xyz", 1);
        assert_eq!(changed.len(), long.len());
        assert_eq!(*display_lines(&changed, 54), text::display_lines(&changed, 54));
        let short: Vec<String> = display_lines("short", 3).iter().map(|l| l.text.clone()).collect();
        assert_eq!(short, ["sho", "rt"]);
    }
}
