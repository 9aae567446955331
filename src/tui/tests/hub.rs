//! `annotate --hub URL --overlap K`: the hub's claims reach the queue through an action.

use super::state;
use crate::hub::claims::ClaimView;
use crate::tui::action::Action;
use crate::tui::update::update;

#[test]
fn claims_reorder_the_tasks_after_the_open_one() {
    let mut s = state();
    // Tasks: a/m1 (open), a/m2, b/m1. This session holds b/m1; a/m2 has K others on it.
    let key = |i: &str, m: &str| format!("r\u{1f}{i}\u{1f}{m}");
    let view = ClaimView {
        mine: [key("b", "m1"), key("a", "m1")].into(),
        full: [key("a", "m2")].into(),
        over: vec![],
    };
    let fx = update(&mut s, Action::HubClaims(Box::new(view)));
    assert!(fx.is_empty());
    assert_eq!(s.queue.order, vec![0, 2], "the open task stays; b/m1 next; a/m2 left out");
    assert_eq!((s.queue.cursor, s.queue.pos[2], s.queue.pos[1]), (0, 1, u32::MAX));
}
