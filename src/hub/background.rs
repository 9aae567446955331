//! `annotate --hub URL`: syncs the session with the hub from a thread of its own, with its own
//! session connection and hub connection, every few seconds and once more on quit, so that no
//! keypress waits for the network. Failures (offline, server restarting) only change the state
//! it reports; the next round tries again.

use super::claims::{ClaimRequest, ClaimView};
use super::{Hub, Study, session};
use crate::model::TaskRef;
use crate::store::{Store, time};
use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// What the background sync last saw.
#[derive(Debug, Clone, PartialEq)]
pub enum HubState {
    /// No sync finished yet.
    Starting,
    /// Every local label event is on the hub, as of `at` (RFC 3339).
    Synced { at: String },
    /// The hub was reached, and `events` local label events given meanwhile wait for the next
    /// round.
    Waiting { events: u64 },
    /// The last sync failed; `waiting` local events are not on the hub (unknown until the hub
    /// was reached once).
    Offline { since: String, waiting: Option<u64>, reason: String },
}

impl HubState {
    /// One short line, for a status line or the end of a session.
    pub fn describe(&self) -> String {
        match self {
            HubState::Starting => "hub: connecting".into(),
            HubState::Synced { at } => format!("hub: synced at {at}"),
            HubState::Waiting { events } => format!("hub: {events} label events waiting"),
            HubState::Offline { since, waiting, reason } => {
                let n = waiting.map(|n| format!("{n} label events waiting, ")).unwrap_or_default();
                format!("hub: offline since {since} ({n}{reason})")
            }
        }
    }
}

/// `--overlap K`: what the background sync claims tasks for, once the TUI knows its queue.
#[derive(Debug, Clone)]
pub struct Claiming {
    pub annotator: String,
    pub overlap: usize,
    /// The annotator's queue, in serving order.
    pub queue: Vec<TaskRef>,
}

/// Tasks at the head of the queue worth claiming, and how many are held at once (the open one
/// and the next).
const WINDOW: usize = 20;
const AHEAD: usize = 2;

struct ClaimState {
    annotator: String,
    overlap: usize,
    queue: Vec<String>,
    /// Labelled tasks the hub already knows are done.
    reported: HashSet<String>,
    /// Tasks whose slots were all taken by others when last seen.
    full: HashSet<String>,
}

/// One claiming round after a sync: reports labelled tasks, renews and takes leases. With
/// `quitting`, lets go of every open lease instead of taking more.
fn claim_round(
    c: &mut Conn,
    cl: &mut ClaimState,
    every: Duration,
    quitting: bool,
) -> Result<ClaimView, String> {
    let mine: HashSet<String> = crate::assign::completions(&c.store)
        .map_err(|e| format!("{e:#}"))?
        .into_iter()
        .filter(|(who, _)| *who == cl.annotator)
        .map(|(_, t)| crate::assign::task_key(&t))
        .collect();
    let done: Vec<String> =
        cl.queue.iter().filter(|k| mine.contains(*k) && !cl.reported.contains(*k)).cloned().collect();
    let window: Vec<String> = if quitting {
        Vec::new()
    } else {
        cl.queue
            .iter()
            .filter(|k| !mine.contains(*k) && !cl.full.contains(*k))
            .take(WINDOW)
            .cloned()
            .collect()
    };
    let view = c
        .hub
        .claim(&ClaimRequest {
            annotator: &cl.annotator,
            overlap: cl.overlap,
            window: &window,
            done: &done,
            ahead: AHEAD,
            // Renewed every round: outlives a few missed rounds, not a session gone for good.
            lease_seconds: (every.as_secs() * 4).max(60),
        })
        .map_err(|e| e.to_string())?;
    cl.reported.extend(done);
    cl.full.extend(view.full.iter().cloned());
    Ok(view)
}

pub struct BackgroundSync {
    state: Arc<Mutex<HubState>>,
    claim_for: mpsc::Sender<Claiming>,
    claims: mpsc::Receiver<ClaimView>,
    stop: mpsc::Sender<()>,
    done: mpsc::Receiver<()>,
    handle: Option<JoinHandle<()>>,
}

struct Conn {
    store: Store,
    hub: Hub,
    study: Study,
}

/// One round: connects if need be, then syncs. Keeps the connections for the next round.
fn round(
    session: &std::path::Path,
    url: &str,
    conn: &mut Option<Conn>,
    hub_id: &mut Option<String>,
) -> Result<(), String> {
    if conn.is_none() {
        let store = Store::open(session).map_err(|e| e.to_string())?;
        let mut hub = Hub::connect(url).map_err(|e| e.to_string())?;
        let study = session::study_of(&mut hub).map_err(|e| e.to_string())?;
        session::check_schema(&store, &hub, &study).map_err(|e| e.to_string())?;
        *hub_id = Some(study.hub_id.clone());
        *conn = Some(Conn { store, hub, study });
    }
    let c = conn.as_mut().expect("connected above");
    let result = session::sync_once(&mut c.store, &mut c.hub, &c.study).map(|_| ());
    if result.is_err() {
        // A broken connection is not reused: the next round connects afresh.
        *conn = None;
    }
    result.map_err(|e| e.to_string())
}

impl BackgroundSync {
    /// Starts syncing `session` with the hub at `url` now and then every `every`.
    pub fn start(session: PathBuf, url: String, every: Duration) -> BackgroundSync {
        let state = Arc::new(Mutex::new(HubState::Starting));
        let (stop, stopped) = mpsc::channel::<()>();
        let (finished, done) = mpsc::channel::<()>();
        let (claim_for, claim_config) = mpsc::channel::<Claiming>();
        let (claimed, claims) = mpsc::channel::<ClaimView>();
        let shared = Arc::clone(&state);
        let handle = std::thread::spawn(move || {
            let (mut conn, mut hub_id) = (None, None);
            let mut claiming: Option<ClaimState> = None;
            let claim = |conn: &mut Option<Conn>, claiming: &mut Option<ClaimState>, quitting: bool| {
                if let Ok(cfg) = claim_config.try_recv() {
                    *claiming = Some(ClaimState {
                        annotator: cfg.annotator,
                        overlap: cfg.overlap,
                        queue: cfg.queue.iter().map(crate::assign::task_key).collect(),
                        reported: HashSet::new(),
                        full: HashSet::new(),
                    });
                }
                match (conn.as_mut(), claiming.as_mut()) {
                    (Some(c), Some(cl)) => claim_round(c, cl, every, quitting).map(|view| {
                        let _ = claimed.send(view);
                    }),
                    _ => Ok(()),
                }
            };
            loop {
                let mut outcome = round(&session, &url, &mut conn, &mut hub_id);
                if outcome.is_ok() {
                    outcome = claim(&mut conn, &mut claiming, false);
                    if outcome.is_err() {
                        conn = None;
                    }
                }
                let waiting = hub_id.as_ref().and_then(|id| {
                    let s = conn.as_ref().map(|c| c.store.hub_waiting(id));
                    match s {
                        Some(r) => r.ok(),
                        None => Store::open(&session).ok().and_then(|s| s.hub_waiting(id).ok()),
                    }
                });
                let now = time::format_micros(time::now_micros());
                let next = match outcome {
                    Ok(()) if waiting == Some(0) => HubState::Synced { at: now },
                    Ok(()) => HubState::Waiting { events: waiting.unwrap_or(0) },
                    Err(reason) => {
                        let since = match &*shared.lock().unwrap_or_else(|p| p.into_inner()) {
                            HubState::Offline { since, .. } => since.clone(),
                            _ => now,
                        };
                        HubState::Offline {
                            since,
                            waiting,
                            reason: reason.lines().next().unwrap_or("").to_string(),
                        }
                    }
                };
                *shared.lock().unwrap_or_else(|p| p.into_inner()) = next;
                match stopped.recv_timeout(every) {
                    Err(RecvTimeoutError::Timeout) => continue,
                    // Asked to stop (or the owner is gone): one last round, then done.
                    _ => {
                        let mut outcome = round(&session, &url, &mut conn, &mut hub_id);
                        if outcome.is_ok() {
                            outcome = claim(&mut conn, &mut claiming, true);
                        }
                        if outcome.is_ok() {
                            let waiting = conn
                                .as_ref()
                                .zip(hub_id.as_ref())
                                .and_then(|(c, id)| c.store.hub_waiting(id).ok());
                            if waiting == Some(0) {
                                let at = time::format_micros(time::now_micros());
                                *shared.lock().unwrap_or_else(|p| p.into_inner()) = HubState::Synced { at };
                            }
                        }
                        let _ = finished.send(());
                        return;
                    }
                }
            }
        });
        BackgroundSync { state, claim_for, claims, stop, done, handle: Some(handle) }
    }

    /// `--overlap K`: from the next round on, claims tasks of `claiming.queue` in the hub.
    pub fn claim_for(&self, claiming: Claiming) {
        let _ = self.claim_for.send(claiming);
    }

    /// What the hub said of the claims since the last call (the latest round), if anything.
    pub fn claims(&self) -> Option<ClaimView> {
        self.claims.try_iter().last()
    }

    pub fn state(&self) -> HubState {
        self.state.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Asks for a last sync and waits for it at most `limit`; returns the state then. A sync
    /// still running after the limit is left to the end of the process (its transactions are
    /// all-or-nothing, so being cut loses nothing).
    pub fn finish(mut self, limit: Duration) -> HubState {
        let _ = self.stop.send(());
        let deadline = Instant::now() + limit;
        if self.done.recv_timeout(deadline.saturating_duration_since(Instant::now())).is_ok()
            && let Some(h) = self.handle.take()
        {
            let _ = h.join();
        }
        self.state()
    }
}
