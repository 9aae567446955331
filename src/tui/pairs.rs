//! Pairs mode, the pure parts: which side each response is shown on, how a pair's prompt and
//! responses read as text (`crate::messages`), and the reason tags.
//!
//! The display order is drawn per annotator and pair from `stable_hash([annotator, pair_id])`
//! (so it is random across pairs but the same on every run), recorded as `@order` the first
//! time the pair is shown, and read back from the store afterwards: the stored order wins, so
//! changing the hash could never change what an annotator already saw.

use crate::model::{Pair, Verdict};
use crate::rng::stable_hash;
use crate::store::TaskLabels;
use serde_json::Value as Json;

pub use crate::messages::{Message, as_text, messages};

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

#[cfg(test)]
mod tests {
    use super::*;

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
    fn tags_round_trip() {
        let on = parse_tags(Some("wrong language,cultural misstep"));
        assert_eq!(on, vec![true, false, false, true, false]);
        assert_eq!(tags_text(&on).as_deref(), Some("cultural misstep,wrong language"));
        assert_eq!(tags_text(&[false; 5]), None);
    }
}
