//! Work off the UI thread, newest request wins: a thread takes requests in turn, drops every
//! request that a newer one has overtaken, and answers the newest. Why: the screen asks again
//! on every keystroke (search) or every few seconds (stats); answering stale requests would only
//! delay the answer that is still wanted.

use std::sync::mpsc::{Receiver, Sender, TryIter, channel};

pub struct Worker<Q, R> {
    requests: Sender<Q>,
    results: Receiver<R>,
}

impl<Q: Send + 'static, R: Send + 'static> Worker<Q, R> {
    /// Spawns the thread `name`. On the first request (and on the next one after a failure),
    /// `open` prepares what the work needs (a connection, an index); a failure answers the
    /// request with `failed`. Then `serve` answers the newest request.
    pub fn spawn<C, E>(
        name: &str,
        mut open: impl FnMut() -> Result<C, E> + Send + 'static,
        mut serve: impl FnMut(&mut C, Q) -> R + Send + 'static,
        failed: impl Fn(Q, E) -> R + Send + 'static,
    ) -> Worker<Q, R> {
        let (q_tx, q_rx) = channel::<Q>();
        let (r_tx, r_rx) = channel::<R>();
        std::thread::Builder::new()
            .name(name.into())
            .spawn(move || {
                let newest = |mut q: Q| {
                    while let Ok(newer) = q_rx.try_recv() {
                        q = newer;
                    }
                    q
                };
                let mut ready: Option<C> = None;
                while let Ok(q) = q_rx.recv() {
                    let mut q = newest(q);
                    if ready.is_none() {
                        match open() {
                            Ok(c) => {
                                ready = Some(c);
                                // Requests made while it was being prepared.
                                q = newest(q);
                            }
                            Err(e) => {
                                let _ = r_tx.send(failed(q, e));
                                continue;
                            }
                        }
                    }
                    let context = ready.as_mut().expect("prepared above");
                    if r_tx.send(serve(context, q)).is_err() {
                        break;
                    }
                }
            })
            .unwrap_or_else(|e| panic!("spawning the {name} thread: {e}"));
        Worker { requests: q_tx, results: r_rx }
    }

    pub fn ask(&self, request: Q) {
        let _ = self.requests.send(request);
    }

    /// The answers that arrived since the last call, without waiting.
    pub fn answers(&self) -> TryIter<'_, R> {
        self.results.try_iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc::channel;
    use std::time::Duration;

    #[test]
    fn only_the_newest_waiting_request_is_answered() {
        // The first request holds the thread until released, while five more arrive.
        let (release_tx, release_rx) = channel::<()>();
        let (started_tx, started_rx) = channel::<u32>();
        let w: Worker<u32, u32> = Worker::spawn(
            "test-worker",
            || Ok::<_, String>(()),
            move |_, q| {
                started_tx.send(q).unwrap();
                if q == 1 {
                    release_rx.recv().unwrap();
                }
                q * 10
            },
            |_, e| panic!("{e}"),
        );
        w.ask(1);
        assert_eq!(started_rx.recv_timeout(Duration::from_secs(10)), Ok(1));
        for q in 2..=6 {
            w.ask(q);
        }
        release_tx.send(()).unwrap();
        let mut got = Vec::new();
        while got.len() < 2 {
            got.push(w.results.recv_timeout(Duration::from_secs(10)).expect("an answer"));
        }
        assert_eq!(got, [10, 60]);
        assert_eq!(started_rx.try_iter().collect::<Vec<_>>(), [6], "2 to 5 were never served");
        assert!(w.results.recv_timeout(Duration::from_millis(50)).is_err(), "nothing more");
    }

    #[test]
    fn a_failed_opening_answers_and_is_tried_again() {
        let mut tries = 0;
        let w: Worker<u32, Result<u32, String>> = Worker::spawn(
            "test-worker",
            move || {
                tries += 1;
                if tries == 1 { Err(format!("try {tries}")) } else { Ok(tries) }
            },
            |opened, q| Ok(q + *opened),
            |_, e| Err(e),
        );
        w.ask(1);
        let wait = || w.results.recv_timeout(Duration::from_secs(10)).expect("an answer");
        assert_eq!(wait(), Err("try 1".to_string()));
        w.ask(5);
        assert_eq!(wait(), Ok(7), "opened on the second try");
        w.ask(5);
        assert_eq!(wait(), Ok(7), "opened once");
    }
}
