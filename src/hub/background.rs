//! `annotate --hub URL`: syncs the session with the hub from a thread of its own, with its own
//! session connection and hub connection, every few seconds and once more on quit, so that no
//! keypress waits for the network. Failures (offline, server restarting) only change the state
//! it reports; the next round tries again.

use super::{Hub, Study, session};
use crate::store::{Store, time};
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

pub struct BackgroundSync {
    state: Arc<Mutex<HubState>>,
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
        let shared = Arc::clone(&state);
        let handle = std::thread::spawn(move || {
            let (mut conn, mut hub_id) = (None, None);
            loop {
                let outcome = round(&session, &url, &mut conn, &mut hub_id);
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
                        let outcome = round(&session, &url, &mut conn, &mut hub_id);
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
        BackgroundSync { state, stop, done, handle: Some(handle) }
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
