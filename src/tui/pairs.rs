//! Pairs mode, the pure parts: which side each response is shown on, how a pair's prompt and
//! responses (strings or `{role, content}` message lists) read as text, the reason tags, and a
//! fuzzy search over pairs.
//!
//! The display order is drawn per annotator and pair from `stable_hash([annotator, pair_id])`
//! (so it is random across pairs but the same on every run), recorded as `@order` the first
//! time the pair is shown, and read back from the store afterwards: the stored order wins, so
//! changing the hash could never change what an annotator already saw.

use crate::model::{Pair, Verdict};
use crate::rng::stable_hash;
use crate::store::TaskLabels;
use serde_json::Value as Json;

/// Reason tags offered with a pair verdict (stored comma-separated as `@tags`).
pub const REASON_TAGS: [&str; 5] =
    ["cultural misstep", "non-compliance", "wrong about the image", "wrong language", "other"];

pub const CHOSEN_LEFT: &str = "chosen_left";
pub const CHOSEN_RIGHT: &str = "chosen_right";

/// The order drawn for an annotator and a pair before anything is stored.
pub fn drawn_chosen_on_left(annotator: &str, pair_id: &str) -> bool {
    stable_hash(&[annotator, pair_id]) & 1 == 0
}

pub fn order_text(chosen_on_left: bool) -> &'static str {
    if chosen_on_left { CHOSEN_LEFT } else { CHOSEN_RIGHT }
}

/// Whether the chosen response is shown on the left: the stored order when there is one, else
/// the drawn one.
pub fn chosen_on_left(labels: &TaskLabels, annotator: &str, pair_id: &str) -> bool {
    match labels.order.as_deref() {
        Some(CHOSEN_LEFT) => true,
        Some(CHOSEN_RIGHT) => false,
        _ => drawn_chosen_on_left(annotator, pair_id),
    }
}

/// A verdict as the annotator saw it (which side), for the screen.
pub fn on_screen(verdict: Verdict, chosen_on_left: bool) -> &'static str {
    match verdict {
        Verdict::Agree if chosen_on_left => "left is better",
        Verdict::Agree => "right is better",
        Verdict::Flip if chosen_on_left => "right is better",
        Verdict::Flip => "left is better",
        Verdict::Tie => "tie (both fine)",
        Verdict::BothBad => "both bad",
        Verdict::Unsure => "unsure",
    }
}

/// One message of a prompt or response: its role (none for a plain string) and its text.
#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    pub role: Option<String>,
    pub text: String,
}

/// The text of a message `content`: a string, or a list of parts (`{"type": "text", "text"}`,
/// `{"type": "image"}` shown as `[image]`).
fn content_text(content: &Json) -> String {
    match content {
        Json::String(s) => s.clone(),
        Json::Array(parts) => parts
            .iter()
            .map(|p| match p {
                Json::String(s) => s.clone(),
                Json::Object(o) => match o.get("text").and_then(Json::as_str) {
                    Some(t) => t.to_string(),
                    None if o.get("type").and_then(Json::as_str).is_some_and(|t| t.starts_with("image")) => {
                        "[image]".to_string()
                    }
                    None => Json::Object(o.clone()).to_string(),
                },
                other => other.to_string(),
            })
            .collect::<Vec<_>>()
            .join(" "),
        Json::Null => String::new(),
        other => other.to_string(),
    }
}

/// A prompt, chosen or rejected value as messages: a string is one message without a role;
/// a list of `{role, content}` gives one message each.
pub fn messages(v: &Json) -> Vec<Message> {
    match v {
        Json::Array(list) => list
            .iter()
            .map(|m| match m {
                Json::Object(o) => Message {
                    role: o.get("role").and_then(Json::as_str).map(str::to_string),
                    text: o.get("content").map(content_text).unwrap_or_default(),
                },
                other => Message { role: None, text: content_text(other) },
            })
            .collect(),
        other => vec![Message { role: None, text: content_text(other) }],
    }
}

/// Messages as plain text (`role: text` per message), for search and for the panes.
pub fn as_text(v: &Json) -> String {
    messages(v)
        .into_iter()
        .map(|m| match m.role {
            Some(r) => format!("{r}: {}", m.text),
            None => m.text,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The (left, right) responses of a pair in the order shown.
pub fn sides(pair: &Pair, chosen_on_left: bool) -> (&Json, &Json) {
    if chosen_on_left { (&pair.chosen, &pair.rejected) } else { (&pair.rejected, &pair.chosen) }
}

/// Tags stored as text → which of [`REASON_TAGS`] are on.
pub fn parse_tags(text: Option<&str>) -> Vec<bool> {
    let given: Vec<&str> = text.unwrap_or("").split(',').map(str::trim).collect();
    REASON_TAGS.iter().map(|t| given.contains(t)).collect()
}

/// The tags that are on, as stored (`None` when none).
pub fn tags_text(on: &[bool]) -> Option<String> {
    let s: Vec<&str> = REASON_TAGS.iter().zip(on).filter(|(_, on)| **on).map(|(t, _)| *t).collect();
    if s.is_empty() { None } else { Some(s.join(",")) }
}

/// Search over pairs: the responses' search (`search.rs`: every word must occur; ranked by a
/// fuzzy match of the id, then by how early the first word occurs) on a corpus with one task
/// per pair (id and prompt, then both responses' openings). `tasks[k]` is the state's task of
/// the corpus's pair `k`.
pub struct PairSearch {
    searcher: super::search::Searcher,
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
        let corpus = super::search::Corpus::of_pairs(
            texts.iter().map(|[id, q, c, r]| (id.as_str(), q.as_str(), c.as_str(), r.as_str())),
        );
        PairSearch { searcher: super::search::Searcher::new(corpus), tasks }
    }

    /// Task indices, best first.
    pub fn search(&mut self, query: &str) -> Vec<usize> {
        self.searcher.search(query).into_iter().map(|k| self.tasks[k]).collect()
    }
}

/// A search worker over the session's pairs, answering task indices of `tasks_of_pairs`
/// (pair id → index into the state's tasks). Same protocol as the responses' worker.
pub fn spawn_search(
    session: std::path::PathBuf,
    tasks_of_pairs: std::collections::HashMap<String, usize>,
) -> super::search::SearchWorker {
    use std::sync::mpsc::channel;
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
                    let pairs = crate::store::Store::open(&session)
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
    super::search::SearchWorker { queries: q_tx, results: r_rx }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn verdict_mapping_under_both_display_orders() {
        // Chosen shown on the left: picking left agrees, picking right flips.
        assert_eq!(Verdict::from_side(true, true), Verdict::Agree);
        assert_eq!(Verdict::from_side(false, true), Verdict::Flip);
        // Chosen shown on the right: picking right agrees, picking left flips.
        assert_eq!(Verdict::from_side(false, false), Verdict::Agree);
        assert_eq!(Verdict::from_side(true, false), Verdict::Flip);
        for left in [true, false] {
            assert_eq!(on_screen(Verdict::from_side(true, left), left), "left is better");
            assert_eq!(on_screen(Verdict::from_side(false, left), left), "right is better");
        }
    }

    #[test]
    fn stored_order_wins_over_the_drawn_one() {
        let drawn = drawn_chosen_on_left("ann", "p1");
        let mut l = TaskLabels::default();
        assert_eq!(chosen_on_left(&l, "ann", "p1"), drawn);
        l.order = Some(order_text(!drawn).to_string());
        assert_eq!(chosen_on_left(&l, "ann", "p1"), !drawn);
    }

    #[test]
    fn drawn_order_varies_across_pairs_and_annotators() {
        let lefts = (0..200).filter(|k| drawn_chosen_on_left("ann", &format!("p{k}"))).count();
        assert!((60..=140).contains(&lefts), "{lefts} of 200 on the left");
        let differ = (0..200).filter(|k| {
            let id = format!("p{k}");
            drawn_chosen_on_left("ann", &id) != drawn_chosen_on_left("bob", &id)
        });
        assert!(differ.count() > 40);
    }

    #[test]
    fn messages_keep_roles_and_parts() {
        let v = json!([{"role": "user", "content": [{"type": "image"}, {"type": "text", "text": "Is this ok?"}]},
                       {"role": "assistant", "content": "Yes."}]);
        assert_eq!(as_text(&v), "user: [image] Is this ok?\nassistant: Yes.");
        assert_eq!(as_text(&json!("plain")), "plain");
    }

    #[test]
    fn tags_round_trip() {
        let on = parse_tags(Some("wrong language,cultural misstep"));
        assert_eq!(on, vec![true, false, false, true, false]);
        assert_eq!(tags_text(&on).as_deref(), Some("cultural misstep,wrong language"));
        assert_eq!(tags_text(&[false; 5]), None);
    }

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
