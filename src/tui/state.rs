//! Everything the screen shows, as plain data. Changed only by `update::update`.

use crate::annotate::Mode;
use crate::model::{Item, Pair, TaskRef};
use crate::schema::Schema;
use crate::store::{JudgeView, TaskInfo, TaskLabels};
use std::collections::HashMap;

/// The reasons offered when skipping; the last one takes free text.
pub const SKIP_REASONS: [&str; 5] = [
    "I cannot read this language",
    "image missing or unreadable",
    "item is broken or not a valid test",
    "outside my expertise",
    "other (type a reason)",
];

/// How long a confirmation stays on the status line, in seconds.
pub const FLASH_SECONDS: f64 = 2.5;

#[derive(Debug, Clone, PartialEq)]
pub enum Overlay {
    None,
    Help,
    Guidelines,
    /// Choosing a skip reason; `text` is the free text (used with the last reason, or appended).
    Skip {
        selected: usize,
        text: String,
    },
    Note {
        text: String,
    },
    Search,
    /// Agreement, distributions and progress (`a`).
    Stats,
    /// Pairs mode: toggling reason tags (`on` parallel to `pairs::REASON_TAGS`).
    Tags {
        selected: usize,
        on: Vec<bool>,
    },
    /// Adjudicate mode: the pick overrules the annotators' majority (described in `majority`);
    /// the reason is typed in `text`. Enter saves the reason as the note, then the pick; Esc
    /// drops the pick.
    Reason {
        pick: super::adjudicate::Pick,
        majority: String,
        text: String,
    },
}

/// The annotator's labels by task index. Sparse: most tasks of a large session have none, and
/// an empty `TaskLabels` per task would cost 40 MB on 300,000 tasks.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Labels {
    map: HashMap<usize, TaskLabels>,
    empty: TaskLabels,
}

impl std::ops::Index<usize> for Labels {
    type Output = TaskLabels;
    fn index(&self, i: usize) -> &TaskLabels {
        self.map.get(&i).unwrap_or(&self.empty)
    }
}

impl std::ops::IndexMut<usize> for Labels {
    fn index_mut(&mut self, i: usize) -> &mut TaskLabels {
        self.map.entry(i).or_default()
    }
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct SearchState {
    pub query: String,
    /// Task indices, best first, for `hits_for`.
    pub hits: Vec<usize>,
    /// The query the hits belong to (a newer query may be pending).
    pub hits_for: String,
    pub selected: usize,
}

/// Who labels, and how: fixed for the run.
#[derive(Debug, Clone, PartialEq)]
pub struct Session {
    pub annotator: String,
    pub schema: Schema,
    pub blind: bool,
    /// What the image pane says about the protocol ("halfblocks", "none", …).
    pub image_protocol: String,
}

/// The mode, with what only that mode has.
#[derive(Debug, Clone, PartialEq)]
pub enum ModeState {
    Responses,
    Pairs,
    Adjudicate(Adjudication),
}

/// Adjudicate mode's own state.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Adjudication {
    /// The other annotators' answers per task index.
    pub answers: HashMap<usize, super::adjudicate::Answers>,
    /// The key hints shown on a pair (the status line's hints are the responses' ones).
    pub pair_hints: String,
}

impl ModeState {
    fn of(mode: Mode) -> ModeState {
        match mode {
            Mode::Responses => ModeState::Responses,
            Mode::Pairs => ModeState::Pairs,
            Mode::Adjudicate => ModeState::Adjudicate(Adjudication::default()),
        }
    }

    pub fn mode(&self) -> Mode {
        match self {
            ModeState::Responses => Mode::Responses,
            ModeState::Pairs => Mode::Pairs,
            ModeState::Adjudicate(_) => Mode::Adjudicate,
        }
    }

    pub fn adjudication(&self) -> Option<&Adjudication> {
        match self {
            ModeState::Adjudicate(a) => Some(a),
            _ => None,
        }
    }

    pub fn adjudication_mut(&mut self) -> Option<&mut Adjudication> {
        match self {
            ModeState::Adjudicate(a) => Some(a),
            _ => None,
        }
    }
}

impl PartialEq<Mode> for ModeState {
    fn eq(&self, mode: &Mode) -> bool {
        self.mode() == *mode
    }
}

/// The session's tasks, this annotator's labels, and the way through them.
#[derive(Debug, Clone, PartialEq)]
pub struct Queue {
    /// Every task of the session (compact).
    pub tasks: Vec<TaskInfo>,
    /// This annotator's labels, indexed like `tasks`.
    pub labels: Labels,
    /// The tasks shown (after filter, sample and language order): indices into `tasks`.
    pub order: Vec<usize>,
    /// For each task, its position in `order` (`u32::MAX`: not shown).
    pub pos: Vec<u32>,
    /// Position in `order` of the open task.
    pub cursor: usize,
    /// How many shown tasks are complete (kept up to date for the status line).
    pub done: usize,
}

/// The named judges of one item's responses.
#[derive(Debug, Clone, PartialEq)]
pub struct ItemJudges {
    pub item_id: String,
    /// (model, the judges that scored that response).
    pub responses: Vec<(String, Vec<JudgeView>)>,
}

/// The open task: what is loaded for it, the focused dimension, its clock and the response
/// pane's scrolling.
#[derive(Debug, Clone, PartialEq)]
pub struct OpenTask {
    /// Focused dimension (index into the schema).
    pub focus: usize,
    /// The open task's item, once loaded.
    pub item: Option<Item>,
    /// Pairs mode: the open pair, once loaded.
    pub pair: Option<Pair>,
    /// The named judges of the open item's responses, once loaded: (item id, per response
    /// (model, its judges)).
    pub judges: Option<ItemJudges>,
    /// Active seconds on the open task (including earlier sessions' time).
    pub task_seconds: f64,
    pub scroll: u32,
    pub max_scroll: u32,
    pub page: u32,
}

/// The stats screen's numbers (`a`), and seconds since they were asked for.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StatsScreen {
    pub view: Option<super::stats::StatsView>,
    pub age: f64,
}

/// What the keys are, for `?` and the status line.
#[derive(Debug, Clone, PartialEq)]
pub struct KeyHelp {
    /// `(keys, description)` of the live keymap, for `?`.
    pub help: Vec<(String, String)>,
    /// Short key hints for the status line.
    pub hints: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct State {
    pub session: Session,
    pub mode: ModeState,
    pub queue: Queue,
    pub open: OpenTask,
    pub overlay: Overlay,
    /// Scrolling of the help, guidelines and stats overlays.
    pub help_scroll: u16,
    pub search: SearchState,
    pub stats: StatsScreen,
    /// The team hub's state with `annotate --hub` (synced / N waiting / offline since …).
    pub hub: Option<String>,
    /// A short confirmation or error on the status line, and how long it has been shown.
    pub flash: Option<String>,
    pub flash_age: f64,
    pub keys: KeyHelp,
    pub quit: bool,
}

pub struct StateInit {
    pub annotator: String,
    pub mode: Mode,
    pub schema: Schema,
    pub blind: bool,
    pub tasks: Vec<TaskInfo>,
    pub labels: HashMap<TaskRef, TaskLabels>,
    pub order: Vec<usize>,
    pub help: Vec<(String, String)>,
    pub hints: String,
    pub image_protocol: String,
}

impl State {
    pub fn new(init: StateInit) -> State {
        let StateInit {
            annotator,
            mode,
            schema,
            blind,
            tasks,
            mut labels,
            order,
            help,
            hints,
            image_protocol,
        } = init;
        let mut by_index = Labels::default();
        if !labels.is_empty() {
            for (i, t) in tasks.iter().enumerate() {
                if let Some(l) = labels.remove(&t.task) {
                    by_index.map.insert(i, l);
                }
            }
        }
        let labels = by_index;
        let mut pos = vec![u32::MAX; tasks.len()];
        for (p, &i) in order.iter().enumerate() {
            pos[i] = p as u32;
        }
        let mut s = State {
            session: Session { annotator, schema, blind, image_protocol },
            mode: ModeState::of(mode),
            queue: Queue { tasks, labels, order, pos, cursor: 0, done: 0 },
            open: OpenTask {
                focus: 0,
                item: None,
                pair: None,
                judges: None,
                task_seconds: 0.0,
                scroll: 0,
                max_scroll: 0,
                page: 10,
            },
            overlay: Overlay::None,
            help_scroll: 0,
            search: SearchState::default(),
            stats: StatsScreen::default(),
            flash: None,
            hub: None,
            flash_age: 0.0,
            keys: KeyHelp { help, hints },
            quit: false,
        };
        s.queue.done = s.queue.order.iter().filter(|&&i| s.is_complete(i)).count();
        // Open on the first task still to do, like a reader's bookmark.
        s.queue.cursor = (0..s.queue.order.len()).find(|&p| !s.is_settled(s.queue.order[p])).unwrap_or(0);
        s.enter_task();
        s
    }

    /// Adjudicate mode: the other annotators' answers on task `task` (none in other modes).
    pub fn answers(&self, task: usize) -> Option<&super::adjudicate::Answers> {
        self.mode.adjudication()?.answers.get(&task)
    }

    /// The open task's index into `tasks`.
    pub fn current(&self) -> Option<usize> {
        self.queue.order.get(self.queue.cursor).copied()
    }

    pub fn current_task(&self) -> Option<&TaskInfo> {
        self.current().map(|i| &self.queue.tasks[i])
    }

    pub fn current_labels(&self) -> Option<&TaskLabels> {
        self.current().map(|i| &self.queue.labels[i])
    }

    pub fn is_complete(&self, task: usize) -> bool {
        let l = &self.queue.labels[task];
        if matches!(self.queue.tasks[task].task, TaskRef::Pair { .. }) {
            return l.values.contains_key(crate::store::field::VERDICT);
        }
        self.session.schema.dimensions.iter().all(|d| l.values.contains_key(&d.name))
    }

    /// Complete or skipped: nothing left to do.
    pub fn is_settled(&self, task: usize) -> bool {
        self.is_complete(task) || self.queue.labels[task].skipped.is_some()
    }

    /// Whether the judge's scores are shown for this task: always without `--blind`; in blind
    /// mode once every dimension is labelled or the annotator revealed them.
    pub fn judge_visible(&self, task: usize) -> bool {
        !self.session.blind || self.queue.labels[task].revealed || self.is_complete(task)
    }

    /// The open task's item, if it is loaded and belongs to the open task.
    pub fn current_item(&self) -> Option<&Item> {
        let t = self.current_task()?;
        self.open.item.as_ref().filter(|i| *i.id == *t.item_id)
    }

    /// The judges that scored the open response (in the session's judge order), once loaded;
    /// empty otherwise.
    pub fn open_judges(&self) -> &[JudgeView] {
        let Some(t) = self.current_task() else { return &[] };
        match &self.open.judges {
            Some(j) if *j.item_id == *t.item_id => {
                j.responses.iter().find(|(m, _)| **m == *t.model).map_or(&[], |(_, v)| v.as_slice())
            }
            _ => &[],
        }
    }

    /// The open pair, if it is loaded and belongs to the open task.
    pub fn current_pair(&self) -> Option<&Pair> {
        let TaskRef::Pair { pair_id } = &self.current_task()?.task else { return None };
        self.open.pair.as_ref().filter(|p| &p.id == pair_id)
    }

    /// Whether the pairs screen, keys and hints apply: in pairs mode, and on a pair in
    /// adjudicate mode (which walks contested responses and pairs).
    pub fn pairs_screen(&self) -> bool {
        match self.mode.mode() {
            Mode::Pairs => true,
            Mode::Adjudicate => self.current_task().is_some_and(|t| matches!(t.task, TaskRef::Pair { .. })),
            Mode::Responses => false,
        }
    }

    /// Pairs mode: whether the open pair shows its chosen response on the left.
    pub fn chosen_on_left(&self, task: usize) -> bool {
        match &self.queue.tasks[task].task {
            TaskRef::Pair { pair_id } => {
                super::pairs::chosen_on_left(&self.queue.labels[task], &self.session.annotator, pair_id)
            }
            TaskRef::Response { .. } => true,
        }
    }

    /// The judge's value on dimension `dim` (schema index) for task `task`: from the task index
    /// when it was loaded with the judge, else from the open item.
    pub fn judge_value(&self, task: usize, dim: usize) -> Option<crate::model::Value> {
        let t = &self.queue.tasks[task];
        if !t.judge.is_empty() {
            return t.judge.get(dim).copied().flatten();
        }
        let name = &self.session.schema.dimensions.get(dim)?.name;
        let item = self.open.item.as_ref().filter(|i| *i.id == *t.item_id)?;
        item.responses.iter().find(|r| *r.model == *t.model)?.judge.get(name).copied()
    }

    /// Resets what belongs to one task (scroll, focus, timer) after the cursor moved.
    pub(crate) fn enter_task(&mut self) {
        self.open.scroll = 0;
        let Some(i) = self.current() else {
            self.open.focus = 0;
            self.open.task_seconds = 0.0;
            return;
        };
        let l = &self.queue.labels[i];
        self.open.focus =
            self.session.schema.dimensions.iter().position(|d| !l.values.contains_key(&d.name)).unwrap_or(0);
        self.open.task_seconds = l.seconds;
    }
}
