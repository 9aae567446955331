//! Search over preference pairs, with the responses' search.

use super::{Corpus, Searcher};
use crate::messages::as_text;
use crate::model::Pair;

/// Search over pairs: the responses' search (every word must occur; ranked by a
/// fuzzy match of the id, then by how early the first word occurs) on a corpus with one task
/// per pair (id and prompt, then both responses' openings). `tasks[k]` is the state's task of
/// the corpus's pair `k`.
pub struct PairSearch {
    searcher: Searcher,
    tasks: Vec<usize>,
}

impl PairSearch {
    pub fn new(pairs: impl IntoIterator<Item = (usize, Pair)>) -> PairSearch {
        let (tasks, texts): (Vec<usize>, Vec<[String; 4]>) = pairs
            .into_iter()
            .map(|(task, p)| {
                (task, [p.id.clone(), as_text(&p.prompt), as_text(&p.chosen), as_text(&p.rejected)])
            })
            .unzip();
        let corpus = Corpus::of_pairs(
            texts.iter().map(|[id, q, c, r]| (id.as_str(), q.as_str(), c.as_str(), r.as_str())),
        );
        PairSearch { searcher: Searcher::new(corpus), tasks }
    }

    /// Task indices, best first.
    pub fn search(&mut self, query: &str) -> Vec<usize> {
        self.searcher.search(query).into_iter().map(|k| self.tasks[k]).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn search_finds_pairs_by_text() {
        let p = |id: &str, chosen: &str| Pair {
            id: id.into(),
            prompt: json!("q"),
            chosen: json!(chosen),
            rejected: json!("no"),
            images: vec![],
            item_id: None,
            meta: Default::default(),
        };
        let mut s = PairSearch::new(vec![
            (3, p("p-tea", "tea is a fine gift")),
            (4, p("p-clock", "clocks are unlucky")),
            (7, p("p-wine", "wine is a fine gift here")),
        ]);
        assert_eq!(s.search("clock"), vec![4]);
        assert_eq!(s.search("CLOCKS unlucky"), vec![4], "every word, any case");
        // Scattered letters do not match a long text (pure fuzzy matching found "fine gift"
        // in almost anything).
        assert!(s.search("fgt").is_empty());
        // Best first: "gift" occurs earlier in the tea pair.
        assert_eq!(s.search("gift"), vec![3, 7]);
        // Ids match fuzzily; the rejected response is searched too.
        assert_eq!(s.search("p-wi"), vec![7]);
        assert_eq!(s.search("no"), vec![3, 4, 7]);
        assert!(s.search("").is_empty());
    }
}
