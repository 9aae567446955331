//! The event loop: reads keys, runs `update`, carries out its effects against the session
//! (every label is written durably before the next frame is drawn), measures active time, and
//! draws. The initial state comes from `load`, the effects are run by `effects`.

use super::action::{Action, Effect};
use super::draw::{self, FrameInfo};
use super::error::TuiError;
use super::image::{ImageCache, ImageSource, NoImages};
use super::image_screen::show_image_full;
use super::keymap::Keymap;
use super::load::{load_keymap, load_theme};
use super::state::State;
use super::terminal_setup;
use super::theme::Theme;
use super::update::update;
use crate::annotate::{AnnotateArgs, Mode};
use crate::hub::background::{BackgroundSync, Claiming};
use crate::model::TaskRef;
use crate::store::Store;
use crossterm::event::{self, Event, KeyCode, KeyEventKind};
use ratatui::DefaultTerminal;
use ratatui::layout::Rect;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// Idle longer than this and the task's clock stops until the next key.
pub const IDLE_AFTER: Duration = Duration::from_secs(60);

pub use super::effects::run_effects;
pub use super::load::initial_state;

/// The TUI on an opened session: sets up the terminal, runs until quit (or SIGTERM/SIGHUP),
/// restores the terminal.
pub fn run(store: Store, args: &AnnotateArgs) -> Result<(), TuiError> {
    run_with_hub(store, args, None)
}

/// `run`, showing the state of a background hub sync in the status line (`annotate --hub`).
pub fn run_with_hub(
    mut store: Store,
    args: &AnnotateArgs,
    hub: Option<&BackgroundSync>,
) -> Result<(), TuiError> {
    crate::store::check_annotator_name(&args.annotator)?;
    let keymap = load_keymap(args)?;
    let theme = load_theme(args)?;
    let protocol_name = format!("{:?}", args.image_protocol).to_lowercase();
    let mut state = initial_state(&store, args, &keymap, &protocol_name)?;
    // Adjudicators settle contested tasks: they claim none.
    if let (Some(h), Some(overlap), false) = (hub, args.overlap, args.mode == Mode::Adjudicate) {
        let queue = state.queue.order.iter().map(|&i| state.queue.tasks[i].task.clone()).collect();
        h.claim_for(Claiming { annotator: args.annotator.clone(), overlap, queue });
    }

    let stop = Arc::new(AtomicBool::new(false));
    for sig in [signal_hook::consts::SIGTERM, signal_hook::consts::SIGHUP] {
        signal_hook::flag::register(sig, Arc::clone(&stop)).map_err(TuiError::Signals)?;
    }

    use std::io::IsTerminal;
    if !(std::io::stdin().is_terminal() && std::io::stdout().is_terminal()) {
        return Err(TuiError::NotATerminal);
    }
    // ratatui::init installs a panic hook that restores the terminal before the panic message.
    let mut terminal = ratatui::try_init().map_err(TuiError::Start)?;
    // Registered only once the UI is up: a start that failed leaves no annotator behind.
    if let Err(e) = register(&store, args) {
        ratatui::restore();
        return Err(e);
    }
    let finished = Arc::new(AtomicBool::new(false));
    terminal_setup::spawn_stop_watch(Arc::clone(&stop), Arc::clone(&finished));
    let result = event_loop(&mut terminal, &mut store, &mut state, &keymap, &theme, args, &stop, hub);
    finished.store(true, Ordering::SeqCst);
    terminal_setup::leave_modes();
    ratatui::restore();
    result
}

/// Adds the annotator to the session; in adjudicate mode as an adjudicator, whose labels decide.
fn register(store: &Store, args: &AnnotateArgs) -> Result<(), TuiError> {
    if args.mode == Mode::Adjudicate {
        store.set_adjudicator(&args.annotator)?;
    } else {
        store.ensure_annotator(&args.annotator)?;
    }
    Ok(())
}

/// Debug builds only: `CROSSREVIEW_TEST_PANIC_KEY=X` makes the key `X` panic, so the tests can
/// check what a crash leaves behind (terminal restored, mouse given back, labels kept).
fn panic_for_tests(k: &crossterm::event::KeyEvent) {
    if cfg!(debug_assertions)
        && let KeyCode::Char(c) = k.code
        && std::env::var("CROSSREVIEW_TEST_PANIC_KEY").is_ok_and(|v| v.starts_with(c))
    {
        panic!("test panic on key {c:?} (CROSSREVIEW_TEST_PANIC_KEY)");
    }
}

#[allow(clippy::too_many_arguments)] // the loop's inputs, each used as it is
fn event_loop(
    terminal: &mut DefaultTerminal,
    store: &mut Store,
    state: &mut State,
    keymap: &Keymap,
    theme: &Theme,
    args: &AnnotateArgs,
    stop: &AtomicBool,
    hub: Option<&BackgroundSync>,
) -> Result<(), TuiError> {
    // Before anything else reads the keyboard; keys typed meanwhile come back in `typed`.
    let probed = terminal_setup::probe_images(args.image_protocol);
    let drawn_with = probed.picker.as_ref().map(|p| p.protocol_type());
    let mut cache = probed.picker.map(ImageCache::new);
    if let Some(note) = probed.note {
        update(state, Action::Failed(note));
    }
    let mut typed: std::collections::VecDeque<Event> = probed.typed.into();
    let mut late_answers = super::late_answers::LateAnswers::new(probed.unanswered);
    terminal_setup::enter_modes(!args.no_mouse).map_err(TuiError::Start)?;
    let mut no_images = NoImages("images off (--image-protocol none)".into());
    let search = if state.mode == Mode::Pairs {
        let tasks_of_pairs = state
            .queue
            .tasks
            .iter()
            .enumerate()
            .filter_map(|(i, t)| match &t.task {
                TaskRef::Pair { pair_id } => Some((pair_id.clone(), i)),
                TaskRef::Response { .. } => None,
            })
            .collect();
        super::workers::pair_search(store.path().to_path_buf(), tasks_of_pairs)
    } else {
        super::workers::search(store.path().to_path_buf(), state.mode == Mode::Adjudicate)
    };
    let stats = super::workers::stats(store.path().to_path_buf());
    // Stats are computed on their worker, never on this thread.
    let to_worker = |fx: Vec<Effect>| -> Vec<Effect> {
        let (ask, rest): (Vec<Effect>, Vec<Effect>) =
            fx.into_iter().partition(|e| matches!(e, Effect::ComputeStats));
        if !ask.is_empty() {
            stats.ask(());
        }
        rest
    };
    let io = TuiError::Terminal;

    // The first task's item (or pair, whose display order is recorded on first sight).
    if state.current_task().is_some() {
        let fx = update(state, Action::Start);
        run_effects(store, state, fx, Some(&search), |_, _| {});
    }
    let mut last_tick = Instant::now();
    let mut last_input = Instant::now();
    let mut dirty = true;
    let mut info = FrameInfo::default();
    let mut pending_image: Option<Option<String>> = None;
    loop {
        if stop.load(Ordering::Relaxed) {
            return Ok(());
        }
        if let Some(path) = pending_image.take() {
            if let Some(msg) = show_image_full(terminal, path, drawn_with).map_err(io)? {
                update(state, Action::Failed(msg));
            }
            last_input = Instant::now();
            dirty = true;
        }
        if dirty {
            let images: &mut dyn ImageSource = match cache.as_mut() {
                Some(c) => c,
                None => &mut no_images,
            };
            let mut measured = FrameInfo::default();
            terminal.draw(|f| measured = draw::draw(f, state, theme, images)).map_err(io)?;
            dirty = false;
            if measured != info {
                info = measured;
                update(state, Action::ResponseViewport { max_scroll: info.max_scroll, page: info.page });
                dirty = true;
                continue;
            }
        }
        let waiting = state.search.hits_for != state.search.query;
        let timeout = if waiting { Duration::from_millis(15) } else { Duration::from_millis(250) };
        let ev = if let Some(key) = typed.pop_front() {
            Some(key)
        } else if event::poll(timeout).map_err(io)? {
            Some(event::read().map_err(io)?)
        } else {
            None
        };

        let now = Instant::now();
        let dt = now.duration_since(last_tick).as_secs_f64();
        last_tick = now;
        let active = now.duration_since(last_input) <= IDLE_AFTER;
        let shown_seconds = state.open.task_seconds as u64;
        let had_flash = state.flash.is_some();
        let fx = to_worker(update(state, Action::Tick { dt, active }));
        run_effects(store, state, fx, Some(&search), |_, _| {});
        if state.open.task_seconds as u64 != shown_seconds || had_flash != state.flash.is_some() {
            dirty = true;
        }
        // Reading the hub's state only takes a lock the sync thread holds to write it.
        if let Some(h) = hub {
            let now_shown = Some(h.state().describe());
            if state.hub != now_shown {
                state.hub = now_shown;
                dirty = true;
            }
            if let Some(view) = h.claims() {
                update(state, Action::HubClaims(Box::new(view)));
                dirty = true;
            }
        }

        match ev {
            Some(Event::Key(k)) => {
                if k.kind == KeyEventKind::Release || late_answers.swallow(&k, now) {
                    continue;
                }
                last_input = now;
                panic_for_tests(&k);
                // Ctrl-C quits too (the keymap's `interrupt`): raw mode turns it into a key.
                let action = keymap.action_for(state, &k);
                if let Some(a) = action {
                    let fx = to_worker(update(state, a));
                    let quit =
                        run_effects(store, state, fx, Some(&search), |path, _| pending_image = Some(path));
                    dirty = true;
                    if quit {
                        return Ok(());
                    }
                }
            }
            Some(Event::Mouse(m)) => {
                let screen = terminal.size().map_err(io)?;
                let actions = super::mouse::actions(state, Rect::new(0, 0, screen.width, screen.height), &m);
                if !actions.is_empty() {
                    last_input = now;
                    dirty = true;
                }
                for a in actions {
                    let fx = to_worker(update(state, a));
                    run_effects(store, state, fx, Some(&search), |path, _| pending_image = Some(path));
                }
            }
            Some(Event::Resize(..)) => {
                terminal.autoresize().map_err(io)?;
                dirty = true;
            }
            Some(_) => {}
            None => {}
        }
        for answer in stats.answers().chain(search.answers()) {
            update(state, answer);
            dirty = true;
        }
        if let Some(c) = cache.as_mut()
            && c.poll()
        {
            dirty = true;
        }
    }
}
