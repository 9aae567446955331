//! The event loop: reads keys, runs `update`, carries out its effects against the session
//! (every label is written durably before the next frame is drawn), measures active time, and
//! draws. Also builds the initial state from the session and the command line.

use super::action::{Action, Effect};
use super::draw::{self, FrameInfo};
use super::filter;
use super::image::{ImageCache, ImageSource, NoImages};
use super::keymap::Keymap;
use super::search::SearchWorker;
use super::state::{State, StateInit};
use super::terminal_setup;
use super::theme::Theme;
use super::update::update;
use crate::cli::{AnnotateArgs, Mode};
use crate::error::{CliError, CliResult};
use crate::hub::background::BackgroundSync;
use crate::model::TaskRef;
use crate::store::Store;
use crossterm::event::{self, Event, KeyCode, KeyEventKind, KeyModifiers};
use ratatui::DefaultTerminal;
use ratatui::layout::Rect;
use ratatui_image::picker::ProtocolType;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// Idle longer than this and the task's clock stops until the next key.
pub const IDLE_AFTER: Duration = Duration::from_secs(60);

/// Reads a TOML file named on the command line, with a usage error naming it when unreadable.
fn read_config(path: &std::path::Path, what: &str) -> Result<String, CliError> {
    use crate::bounded_read::{MAX_CONFIG_BYTES, Pipes, read_text};
    read_text(path, MAX_CONFIG_BYTES, Pipes::Accept)
        .map_err(|e| CliError::usage(format!("{}: cannot read the {what}: {e}", path.display())))
}

pub fn load_keymap(args: &AnnotateArgs) -> Result<Keymap, CliError> {
    match &args.keymap {
        None => Ok(Keymap::default()),
        Some(p) => {
            Keymap::from_toml(&read_config(p, "keymap")?, &p.display().to_string()).map_err(CliError::usage)
        }
    }
}

pub fn load_theme(args: &AnnotateArgs) -> Result<Theme, CliError> {
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let text = match &args.theme {
        Some(p) => Some((read_config(p, "theme")?, p.display().to_string())),
        None => None,
    };
    Theme::load(text.as_ref().map(|(t, o)| (t.as_str(), o.as_str())), no_color).map_err(CliError::usage)
}

/// Short key hints for the status line, from the live keymap.
pub fn hints(keymap: &Keymap) -> String {
    use super::action::Command as C;
    let k = |c: C| keymap.keys_of(c).into_iter().next().unwrap_or_else(|| "-".into());
    format!(
        "{}/{} label  {} dim  {}/{} task  {} todo  {} undo  {} skip  {} search  {} help  {} quit",
        k(C::Yes),
        k(C::No),
        k(C::FocusNext),
        k(C::NextTask),
        k(C::PrevTask),
        k(C::NextTodo),
        k(C::Undo),
        k(C::Skip),
        k(C::Search),
        k(C::Help),
        k(C::Quit)
    )
}

/// Short key hints for pairs mode's status line.
pub fn pair_hints(keymap: &Keymap) -> String {
    use super::action::Command as C;
    let k = |c: C| keymap.keys_of(c).into_iter().next().unwrap_or_else(|| "-".into());
    format!(
        "{} left {} right {} tie {} both bad {} unsure  {} tags  {}/{} pair  {} undo  {} skip  {} help  {} quit",
        k(C::LeftBetter),
        k(C::RightBetter),
        k(C::Tie),
        k(C::BothBad),
        k(C::Unsure),
        k(C::Tags),
        k(C::NextTask),
        k(C::PrevTask),
        k(C::Undo),
        k(C::Skip),
        k(C::Help),
        k(C::Quit)
    )
}

/// The initial state: this annotator's tasks after `--filter`, `--sample` and `--languages`.
pub fn initial_state(
    store: &Store,
    args: &AnnotateArgs,
    keymap: &Keymap,
    image_protocol: &str,
) -> Result<State, CliError> {
    let schema = store.schema().clone();
    let filters = args
        .filter
        .iter()
        .map(|f| filter::parse(f, &schema))
        .collect::<Result<Vec<_>, _>>()
        .map_err(CliError::usage)?;
    // Pairs mode works on pairs, the other modes on responses.
    let want_pairs = args.mode == Mode::Pairs;
    let tasks: Vec<_> = if args.mode == Mode::Adjudicate {
        // Responses (with the judge's scores, shown next to every annotator's) and pairs.
        store.task_index()?
    } else if want_pairs {
        store.task_index()?.into_iter().filter(|t| matches!(t.task, TaskRef::Pair { .. })).collect()
    } else if filters.iter().any(filter::Filter::needs_judge) {
        store.response_task_index()?
    } else {
        // Opening fast: the judge's values come with each task's item when it is shown.
        store.response_task_index_without_judge()?
    };
    let labels = store.labels_of(&args.annotator)?;
    let mut order: Vec<usize> = (0..tasks.len())
        .filter(|&i| filters.iter().all(|f| f.matches(&tasks[i], labels.get(&tasks[i].task), &schema)))
        .collect();
    if let Some(n) = args.sample {
        let seed = args
            .seed
            .ok_or_else(|| CliError::usage("--sample needs --seed S (for a reproducible sample)"))?;
        order = filter::sample(&order, &tasks, n, seed, args.stratify);
    }
    let shared = crate::assign::SessionAssignment::of(store)?;
    match shared {
        // A shared session (`init --overlap K`): this annotator's own queue.
        Some(settings) if args.mode != Mode::Adjudicate && args.sample.is_none() => {
            order = crate::assign::shared_queue(
                store,
                &tasks,
                &order,
                settings,
                &args.annotator,
                &args.languages,
                args.stratify.map(|g| g.as_str()),
            )
            .map_err(|e| {
                CliError::data(format!("{}: cannot compute the queue: {e:#}", args.session.display()))
            })?;
        }
        _ => filter::languages_first(&mut order, &tasks, &args.languages),
    }
    let mut answers = std::collections::HashMap::new();
    if args.mode == Mode::Adjudicate {
        // The others' answers (adjudicators left out), and only the contested tasks, most
        // contested first.
        let adjudicators = store.adjudicators()?;
        let index: std::collections::HashMap<&TaskRef, usize> =
            tasks.iter().enumerate().map(|(i, t)| (&t.task, i)).collect();
        let mut by_task: std::collections::HashMap<
            usize,
            std::collections::BTreeMap<String, crate::store::TaskLabels>,
        > = std::collections::HashMap::new();
        for c in store.current()? {
            if c.annotator == args.annotator || adjudicators.contains(&c.annotator) {
                continue;
            }
            let Some(&i) = index.get(&c.task) else { continue };
            let l = by_task.entry(i).or_default().entry(c.annotator.clone()).or_default();
            l.seconds = l.seconds.max(c.seconds);
            match c.field.as_str() {
                crate::store::field::FLAG => l.flagged = c.value == Some(1),
                crate::store::field::NOTE => l.note = c.text.clone().filter(|t| !t.is_empty()),
                crate::store::field::SKIP => l.skipped = c.text.clone(),
                crate::store::field::TAGS => l.tags = c.text.clone().filter(|t| !t.is_empty()),
                f if f.starts_with('@') => {}
                f => {
                    if let Some(v) = c.value {
                        l.values.insert(f.to_string(), v);
                    }
                }
            }
        }
        let dims = schema.dimension_names();
        answers = by_task.into_iter().map(|(i, m)| (i, m.into_iter().collect())).collect();
        let is_pair = |t: usize| matches!(tasks[t].task, TaskRef::Pair { .. });
        order = super::adjudicate::order(&order, |t| answers.get(&t).cloned(), &dims, is_pair);
    }
    let mut state = State::new(StateInit {
        annotator: args.annotator.clone(),
        mode: args.mode,
        schema,
        blind: args.blind,
        tasks,
        labels,
        order,
        help: keymap.help_lines_for(args.mode),
        hints: if want_pairs { pair_hints(keymap) } else { hints(keymap) },
        image_protocol: image_protocol.to_string(),
    });
    state.answers = answers;
    if args.mode == Mode::Adjudicate {
        state.pair_hints = pair_hints(keymap);
    }
    Ok(state)
}

/// Runs effects against the session until none are left; every `Record` is durable when this
/// returns. Returns true when the app should quit.
pub fn run_effects(
    store: &mut Store,
    state: &mut State,
    mut effects: Vec<Effect>,
    search: Option<&SearchWorker>,
    mut on_image: impl FnMut(Option<String>, &mut State),
) -> bool {
    let mut quit = false;
    while !effects.is_empty() {
        let mut follow = Vec::new();
        for fx in effects {
            let action = match fx {
                Effect::Record(ev) => match store.record(&ev) {
                    Ok(_) => None,
                    Err(e) => Some(Action::NotSaved {
                        stored: store.task_labels(&state.annotator, &ev.task).ok().map(Box::new),
                        task: ev.task,
                        message: format!("NOT SAVED: {e:#}"),
                    }),
                },
                Effect::Undo | Effect::Redo => {
                    let redo = matches!(fx, Effect::Redo);
                    let r = if redo { store.redo(&state.annotator) } else { store.undo(&state.annotator) };
                    Some(match r {
                        Ok(ev) => Action::Applied { event: ev.map(Box::new), redo },
                        Err(e) => {
                            Action::Failed(format!("{} failed: {e:#}", if redo { "redo" } else { "undo" }))
                        }
                    })
                }
                Effect::LoadItem(id) => Some(match store.item(&id) {
                    Ok(Some(item)) => Action::ItemLoaded(Box::new(item)),
                    Ok(None) => Action::Failed(format!("item {id} is no longer in the session")),
                    Err(e) => Action::Failed(format!("cannot read item {id}: {e}")),
                }),
                Effect::ComputeStats => Some(Action::StatsReady(
                    super::stats::compute(store).map(Box::new).map_err(|e| format!("{e:#}")),
                )),
                Effect::LoadPair(id) => Some(match store.pair(&id) {
                    Ok(Some(pair)) => {
                        // The pair's item (norm, country) when the session has it.
                        let item = pair.item_id.as_deref().and_then(|i| store.item(i).ok().flatten());
                        Action::PairLoaded { pair: Box::new(pair), item: item.map(Box::new) }
                    }
                    Ok(None) => Action::Failed(format!("pair {id} is no longer in the session")),
                    Err(e) => Action::Failed(format!("cannot read pair {id}: {e}")),
                }),
                Effect::Search(q) => {
                    if let Some(w) = search {
                        w.ask(q);
                    }
                    None
                }
                Effect::ShowImage(path) => {
                    on_image(path, state);
                    None
                }
                Effect::Quit => {
                    quit = true;
                    None
                }
            };
            if let Some(a) = action {
                follow.extend(update(state, a));
            }
        }
        effects = follow;
    }
    quit
}

/// Shows an image full screen (viuer) until a key is pressed.
fn show_image_full(
    terminal: &mut DefaultTerminal,
    path: Option<String>,
    drawn_with: Option<ProtocolType>,
) -> Result<Option<String>, std::io::Error> {
    let Some(path) = path else { return Ok(Some("this item has no image".into())) };
    let Some(drawn_with) = drawn_with else {
        return Ok(Some("images are off (--image-protocol none)".into()));
    };
    let img = match super::image::decode(std::path::Path::new(&path)) {
        Ok(i) => i,
        Err(e) => return Ok(Some(format!("{e}: {}", crate::text::sanitize_line(&path)))),
    };
    let size = terminal.size()?;
    blank_screen(terminal)?;
    let conf = viuer::Config {
        absolute_offset: true,
        x: 0,
        y: 0,
        width: Some(size.width as u32),
        height: Some(size.height.saturating_sub(1) as u32),
        // Only the protocol the probe found (or the user chose): viuer asks a terminal about
        // kitty graphics without a timeout, and would read keys as its answer.
        use_kitty: drawn_with == ProtocolType::Kitty,
        use_iterm: drawn_with == ProtocolType::Iterm2,
        ..Default::default()
    };
    let shown = viuer::print(&img, &conf);
    {
        use std::io::Write;
        let mut out = std::io::stdout();
        crossterm::execute!(out, crossterm::cursor::MoveTo(0, size.height.saturating_sub(1)))?;
        write!(out, "{}  — any key returns", crate::text::sanitize_line(&path))?;
        out.flush()?;
    }
    loop {
        if let Event::Key(k) = event::read()?
            && k.kind != KeyEventKind::Release
        {
            break;
        }
    }
    {
        // Remove kitty placements, which survive a screen clear.
        use std::io::Write;
        let mut out = std::io::stdout();
        write!(out, "\x1b_Ga=d\x1b\\")?;
        out.flush()?;
    }
    blank_screen(terminal)?;
    Ok(shown.err().map(|e| format!("cannot show the image: {e}")))
}

/// Clears the screen and what ratatui remembers of it, so the next frame is drawn whole.
/// Why not `Terminal::clear`: it asks the terminal where the cursor is, and a terminal that does
/// not answer made the TUI end with an error.
fn blank_screen(terminal: &mut DefaultTerminal) -> Result<(), std::io::Error> {
    terminal.draw(|f| f.render_widget(ratatui::widgets::Clear, f.area()))?;
    crossterm::execute!(std::io::stdout(), crossterm::terminal::Clear(crossterm::terminal::ClearType::All))
}

/// The TUI on an opened session: sets up the terminal, runs until quit (or SIGTERM/SIGHUP),
/// restores the terminal.
pub fn run(store: Store, args: &AnnotateArgs) -> CliResult {
    run_with_hub(store, args, None)
}

/// `run`, showing the state of a background hub sync in the status line (`annotate --hub`).
pub fn run_with_hub(mut store: Store, args: &AnnotateArgs, hub: Option<&BackgroundSync>) -> CliResult {
    crate::store::check_annotator_name(&args.annotator)?;
    let keymap = load_keymap(args)?;
    let theme = load_theme(args)?;
    let protocol_name = format!("{:?}", args.image_protocol).to_lowercase();
    let mut state = initial_state(&store, args, &keymap, &protocol_name)?;

    let stop = Arc::new(AtomicBool::new(false));
    for sig in [signal_hook::consts::SIGTERM, signal_hook::consts::SIGHUP] {
        signal_hook::flag::register(sig, Arc::clone(&stop))
            .map_err(|e| CliError::data(format!("cannot install the signal handler: {e}")))?;
    }

    use std::io::IsTerminal;
    if !(std::io::stdin().is_terminal() && std::io::stdout().is_terminal()) {
        return Err(CliError::data(
            "cannot start the terminal UI: standard input and output must be a terminal (not a pipe or a file); nothing was recorded",
        ));
    }
    // ratatui::init installs a panic hook that restores the terminal before the panic message.
    let mut terminal =
        ratatui::try_init().map_err(|e| CliError::data(format!("cannot start the terminal UI: {e}")))?;
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
fn register(store: &Store, args: &AnnotateArgs) -> CliResult {
    if args.mode == Mode::Adjudicate {
        store.set_adjudicator(&args.annotator)
    } else {
        store.ensure_annotator(&args.annotator)
    }
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
) -> CliResult {
    // Before anything else reads the keyboard; keys typed meanwhile come back in `typed`.
    let probed = terminal_setup::probe_images(args.image_protocol);
    let drawn_with = probed.picker.as_ref().map(|p| p.protocol_type());
    let mut cache = probed.picker.map(ImageCache::new);
    if let Some(note) = probed.note {
        update(state, Action::Failed(note));
    }
    let mut typed: std::collections::VecDeque<Event> = probed.typed.into();
    let mut late_answers = super::late_answers::LateAnswers::new(probed.unanswered);
    terminal_setup::enter_modes(!args.no_mouse)
        .map_err(|e| CliError::data(format!("cannot start the terminal UI: {e}")))?;
    let mut no_images = NoImages("images off (--image-protocol none)".into());
    let search = if state.mode == Mode::Pairs {
        let tasks_of_pairs = state
            .tasks
            .iter()
            .enumerate()
            .filter_map(|(i, t)| match &t.task {
                TaskRef::Pair { pair_id } => Some((pair_id.clone(), i)),
                TaskRef::Response { .. } => None,
            })
            .collect();
        super::pairs::spawn_search(store.path().to_path_buf(), tasks_of_pairs)
    } else {
        SearchWorker::spawn(store.path().to_path_buf(), state.mode == Mode::Adjudicate)
    };
    let stats = super::stats::StatsWorker::spawn(store.path().to_path_buf());
    // Stats are computed on their worker, never on this thread.
    let to_worker = |fx: Vec<Effect>| -> Vec<Effect> {
        let (ask, rest): (Vec<Effect>, Vec<Effect>) =
            fx.into_iter().partition(|e| matches!(e, Effect::ComputeStats));
        if !ask.is_empty() {
            stats.ask();
        }
        rest
    };
    let io = |e: std::io::Error| CliError::data(format!("terminal error: {e}"));

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
        let shown_seconds = state.task_seconds as u64;
        let had_flash = state.flash.is_some();
        let fx = to_worker(update(state, Action::Tick { dt, active }));
        run_effects(store, state, fx, Some(&search), |_, _| {});
        if state.task_seconds as u64 != shown_seconds || had_flash != state.flash.is_some() {
            dirty = true;
        }
        // Reading the hub's state only takes a lock the sync thread holds to write it.
        if let Some(h) = hub {
            let now_shown = Some(h.state().describe());
            if state.hub != now_shown {
                state.hub = now_shown;
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
                // Ctrl-C quits too: raw mode turns it into a key, and people expect it to work.
                let action = if k.code == KeyCode::Char('c') && k.modifiers.contains(KeyModifiers::CONTROL) {
                    Some(Action::Command(super::action::Command::Quit))
                } else {
                    keymap.action_for(state, &k)
                };
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
        while let Ok(r) = stats.results.try_recv() {
            update(state, Action::StatsReady(r.map(Box::new)));
            dirty = true;
        }
        while let Ok((query, hits)) = search.results.try_recv() {
            update(state, Action::SearchResults { query, hits });
            dirty = true;
        }
        if let Some(c) = cache.as_mut()
            && c.poll()
        {
            dirty = true;
        }
    }
}
