//! `annotate --hub URL --overlap K`: tasks are claimed in the hub with leases, so annotators on
//! different machines never put more than K people on a task (docs/hub.md). Each task has K
//! *slots* in the hub's `leases` table; taking one is `SELECT … FOR UPDATE SKIP LOCKED`, so
//! two sessions claiming at once never take the same slot and never wait for each other. A
//! slot is held until its lease expires (renewed every round while the task is open) and kept
//! for good once the holder has labelled the task.
//!
//! The pure part (which slots to take, how the queue changes given the claims) is apart from
//! the SQL, and tested on its own.

use super::Hub;
use std::collections::{HashMap, HashSet};

/// Created on the first claim when the hub predates leases (`hub init` creates it).
pub const CREATE_LEASES: &str = "
CREATE TABLE IF NOT EXISTS crossreview.leases (
    task   text NOT NULL,
    slot   integer NOT NULL,
    holder text,
    until  timestamptz,
    done   boolean NOT NULL DEFAULT false,
    PRIMARY KEY (task, slot)
)";

/// What one claiming round asks for.
#[derive(Debug, Clone)]
pub struct ClaimRequest<'a> {
    pub annotator: &'a str,
    /// Annotators per task (K of `--overlap K`).
    pub overlap: usize,
    /// The head of the annotator's queue (task keys, serving order): the tasks worth claiming.
    pub window: &'a [String],
    /// Tasks the annotator has labelled: their slots are kept for good.
    pub done: &'a [String],
    /// How many open tasks to hold at once.
    pub ahead: usize,
    /// Lease length in seconds.
    pub lease_seconds: u64,
}

/// What the hub said after a round, for the tasks of the window.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ClaimView {
    /// Tasks this annotator holds a slot of (open or done).
    pub mine: HashSet<String>,
    /// Tasks whose every slot is taken by others (done or under a live lease).
    pub full: HashSet<String>,
    /// Tasks labelled here while no slot was free (offline work beyond K); their labels stay.
    pub over: Vec<String>,
}

/// From free slots in serving order (task, slot), the first slot of each task, for at most
/// `want` tasks. Pure.
pub fn pick_slots(free: &[(String, i32)], want: usize) -> Vec<(String, i32)> {
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for (task, slot) in free {
        if out.len() == want {
            break;
        }
        if seen.insert(task.as_str()) {
            out.push((task.clone(), *slot));
        }
    }
    out
}

/// The queue once the hub's claims are known (`order` holds indices, `key` gives a task's key,
/// `labelled` says whether this annotator has labels on it): tasks held here first, in serving
/// order; then the others, minus those whose slots are all taken by others (unless labelled
/// here, so that no work of this annotator leaves their queue). Pure.
pub fn reorder(
    order: &[usize],
    key: impl Fn(usize) -> String,
    labelled: impl Fn(usize) -> bool,
    view: &ClaimView,
) -> Vec<usize> {
    let keys: HashMap<usize, String> = order.iter().map(|&i| (i, key(i))).collect();
    let held = |i: &usize| view.mine.contains(&keys[i]) && !labelled(*i);
    let mut out: Vec<usize> = order.iter().copied().filter(held).collect();
    out.extend(order.iter().copied().filter(|i| !held(i) && (labelled(*i) || !view.full.contains(&keys[i]))));
    out
}

impl Hub {
    /// One claiming round, in one hub transaction: keeps the slots of labelled tasks for good
    /// (taking a free one for work done offline), lets go of held tasks that left the window,
    /// renews the leases held, takes free slots until `ahead` tasks are held, and reports.
    pub fn claim(&mut self, req: &ClaimRequest<'_>) -> Result<ClaimView, super::HubError> {
        let shown = self.shown.clone();
        let f = |e: postgres::Error| super::fail(&shown, "claiming tasks", e);
        let k = req.overlap.max(1) as i32;
        let lease = format!("{} seconds", req.lease_seconds.max(1));
        let me = req.annotator;
        let mut tx = self.client.transaction().map_err(f)?;
        tx.batch_execute(CREATE_LEASES).map_err(f)?;
        let mut tasks: Vec<String> = req.window.to_vec();
        tasks.extend(req.done.iter().cloned());
        tx.execute(
            "INSERT INTO crossreview.leases (task, slot)
             SELECT t, s FROM unnest($1::text[]) t, generate_series(0, $2 - 1) s ON CONFLICT DO NOTHING",
            &[&tasks, &k],
        )
        .map_err(f)?;
        // Labelled here: the slot held becomes permanent; without one, a free slot if any.
        tx.execute(
            "UPDATE crossreview.leases SET done = true, until = NULL
             WHERE holder = $1 AND task = ANY($2) AND NOT done",
            &[&me, &req.done],
        )
        .map_err(f)?;
        let unheld: Vec<String> = tx
            .query(
                "SELECT t FROM unnest($2::text[]) t WHERE NOT EXISTS
                 (SELECT 1 FROM crossreview.leases l WHERE l.task = t AND l.holder = $1)",
                &[&me, &req.done],
            )
            .map_err(f)?
            .iter()
            .map(|r| r.get(0))
            .collect();
        let mut over = Vec::new();
        for task in unheld {
            let free = tx
                .query_opt(
                    "SELECT slot FROM crossreview.leases WHERE task = $1 AND NOT done
                     AND (holder IS NULL OR until < now()) ORDER BY slot LIMIT 1 FOR UPDATE",
                    &[&task],
                )
                .map_err(f)?;
            match free {
                Some(row) => {
                    let slot: i32 = row.get(0);
                    tx.execute(
                        "UPDATE crossreview.leases SET holder = $1, until = NULL, done = true
                         WHERE task = $2 AND slot = $3",
                        &[&me, &task, &slot],
                    )
                    .map_err(f)?;
                }
                None => over.push(task),
            }
        }
        tx.execute(
            "UPDATE crossreview.leases SET holder = NULL, until = NULL
             WHERE holder = $1 AND NOT done AND NOT (task = ANY($2))",
            &[&me, &req.window],
        )
        .map_err(f)?;
        let held: i64 = tx
            .query_one(
                "WITH renewed AS (UPDATE crossreview.leases SET until = now() + $2::text::interval
                 WHERE holder = $1 AND NOT done RETURNING 1) SELECT count(*) FROM renewed",
                &[&me, &lease],
            )
            .map_err(f)?
            .get(0);
        let want = req.ahead.saturating_sub(held as usize);
        if want > 0 {
            let free: Vec<(String, i32)> = tx
                .query(
                    "SELECT task, slot FROM crossreview.leases
                     WHERE task = ANY($2) AND NOT done AND (holder IS NULL OR until < now())
                       AND task NOT IN (SELECT task FROM crossreview.leases WHERE holder = $1)
                     ORDER BY array_position($2, task), slot
                     LIMIT $3 FOR UPDATE SKIP LOCKED",
                    &[&me, &req.window, &((want * k as usize) as i64)],
                )
                .map_err(f)?
                .iter()
                .map(|r| (r.get(0), r.get(1)))
                .collect();
            for (task, slot) in pick_slots(&free, want) {
                tx.execute(
                    "UPDATE crossreview.leases SET holder = $1, until = now() + $4::text::interval
                     WHERE task = $2 AND slot = $3",
                    &[&me, &task, &slot, &lease],
                )
                .map_err(f)?;
            }
        }
        let mut view = ClaimView { over, ..Default::default() };
        for row in tx
            .query(
                "SELECT task,
                    bool_or(holder = $1),
                    count(*) FILTER (WHERE holder IS DISTINCT FROM $1 AND (done OR until >= now())),
                    count(*)
                 FROM crossreview.leases WHERE task = ANY($2) GROUP BY task",
                &[&me, &tasks],
            )
            .map_err(f)?
        {
            let task: String = row.get(0);
            let mine: Option<bool> = row.get(1);
            let (taken, slots): (i64, i64) = (row.get(2), row.get(3));
            if mine == Some(true) {
                view.mine.insert(task);
            } else if taken >= slots {
                view.full.insert(task);
            }
        }
        tx.commit().map_err(f)?;
        Ok(view)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &[&str]) -> HashSet<String> {
        v.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn one_slot_per_task_and_no_more_tasks_than_wanted() {
        let free: Vec<(String, i32)> = [("a", 0), ("a", 1), ("b", 1), ("c", 0), ("c", 1)]
            .iter()
            .map(|(t, n)| (t.to_string(), *n))
            .collect();
        assert_eq!(pick_slots(&free, 2), vec![("a".to_string(), 0), ("b".to_string(), 1)]);
        assert_eq!(pick_slots(&free, 9).len(), 3);
        assert!(pick_slots(&free, 0).is_empty());
    }

    #[test]
    fn held_tasks_come_first_and_full_ones_leave_unless_labelled_here() {
        let order = vec![0, 1, 2, 3, 4];
        let key = |i: usize| format!("t{i}");
        let view = ClaimView { mine: s(&["t3", "t1"]), full: s(&["t0", "t2"]), over: vec![] };
        // t2 is full but labelled here: it stays, so the annotator's own work stays reachable.
        let labelled = |i: usize| i == 2;
        assert_eq!(reorder(&order, key, labelled, &view), vec![1, 3, 2, 4]);
        // A held task already labelled here is not put first again.
        let labelled = |i: usize| i == 3;
        assert_eq!(reorder(&order, key, labelled, &view), vec![1, 3, 4]);
        // Nothing known from the hub: the local order, unchanged.
        assert_eq!(reorder(&order, key, |_| false, &ClaimView::default()), order);
    }
}
