//! What can happen to the TUI (actions, from keys or from the outside world) and what the
//! pure `update` asks the outside world to do in return (effects).

use crate::model::{Item, Pair, TaskRef, Value};
use crate::store::{LabelEvent, NewEvent, TaskLabels};

/// What a key means on the main screen. These are the names used in the TOML keymap.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Command {
    Yes,
    No,
    FocusNext,
    FocusPrev,
    NextTask,
    PrevTask,
    NextTodo,
    FirstTask,
    LastTask,
    Undo,
    Redo,
    Skip,
    Flag,
    Note,
    Reveal,
    Search,
    Image,
    Guidelines,
    Help,
    Quit,
    ScrollDown,
    ScrollUp,
    PageDown,
    PageUp,
    // Pairs mode (its own key layer, see keymap.rs).
    LeftBetter,
    RightBetter,
    Tie,
    BothBad,
    Unsure,
    Tags,
    /// The agreement and progress screen (every mode).
    Stats,
}

impl Command {
    pub const ALL: [Command; 24] = [
        Command::Yes,
        Command::No,
        Command::FocusNext,
        Command::FocusPrev,
        Command::NextTask,
        Command::PrevTask,
        Command::NextTodo,
        Command::FirstTask,
        Command::LastTask,
        Command::Undo,
        Command::Redo,
        Command::Skip,
        Command::Flag,
        Command::Note,
        Command::Reveal,
        Command::Search,
        Command::Image,
        Command::Guidelines,
        Command::Help,
        Command::Quit,
        Command::ScrollDown,
        Command::ScrollUp,
        Command::PageDown,
        Command::PageUp,
    ];

    /// Pairs mode's commands, bound in a layer that wins over the main keys in that mode.
    pub const PAIRS: [Command; 6] = [
        Command::LeftBetter,
        Command::RightBetter,
        Command::Tie,
        Command::BothBad,
        Command::Unsure,
        Command::Tags,
    ];

    /// Whether the command belongs to pairs mode's key layer.
    pub fn is_pairs(self) -> bool {
        Command::PAIRS.contains(&self)
    }

    /// The name in the keymap TOML.
    pub fn name(self) -> &'static str {
        match self {
            Command::Yes => "yes",
            Command::No => "no",
            Command::FocusNext => "focus_next",
            Command::FocusPrev => "focus_prev",
            Command::NextTask => "next_task",
            Command::PrevTask => "prev_task",
            Command::NextTodo => "next_todo",
            Command::FirstTask => "first_task",
            Command::LastTask => "last_task",
            Command::Undo => "undo",
            Command::Redo => "redo",
            Command::Skip => "skip",
            Command::Flag => "flag",
            Command::Note => "note",
            Command::Reveal => "reveal",
            Command::Search => "search",
            Command::Image => "image",
            Command::Guidelines => "guidelines",
            Command::Help => "help",
            Command::Quit => "quit",
            Command::ScrollDown => "scroll_down",
            Command::ScrollUp => "scroll_up",
            Command::PageDown => "page_down",
            Command::PageUp => "page_up",
            Command::LeftBetter => "left_better",
            Command::RightBetter => "right_better",
            Command::Tie => "tie",
            Command::BothBad => "both_bad",
            Command::Unsure => "unsure",
            Command::Tags => "tags",
            Command::Stats => "stats",
        }
    }

    pub fn describe(self) -> &'static str {
        match self {
            Command::Yes => "set the focused dimension to yes (1), then focus the next",
            Command::No => "set the focused dimension to no (0), then focus the next",
            Command::FocusNext => "focus the next dimension",
            Command::FocusPrev => "focus the previous dimension",
            Command::NextTask => "next task",
            Command::PrevTask => "previous task",
            Command::NextTodo => "next task without a complete label from you",
            Command::FirstTask => "first task",
            Command::LastTask => "last task",
            Command::Undo => "undo (also after a restart)",
            Command::Redo => "redo",
            Command::Skip => "skip, with a reason",
            Command::Flag => "flag for adjudication (again to unflag)",
            Command::Note => "write a note",
            Command::Reveal => "reveal the judge's scores (--blind)",
            Command::Search => "fuzzy search over ids, queries, norms, responses",
            Command::Image => "show the image full screen",
            Command::Guidelines => "guidelines for each dimension",
            Command::Help => "this help",
            Command::Quit => "quit (everything is already saved)",
            Command::ScrollDown => "scroll the response down",
            Command::ScrollUp => "scroll the response up",
            Command::PageDown => "scroll the response a page down",
            Command::PageUp => "scroll the response a page up",
            Command::LeftBetter => "pairs: the left response is better",
            Command::RightBetter => "pairs: the right response is better",
            Command::Tie => "pairs: tie (both fine)",
            Command::BothBad => "pairs: both are bad",
            Command::Unsure => "pairs: unsure",
            Command::Tags => "pairs: reason tags (cultural misstep, non-compliance, …)",
            Command::Stats => "agreement, label distributions, judge vs humans, progress",
        }
    }

    pub fn from_name(name: &str) -> Option<Command> {
        Command::ALL.into_iter().chain(Command::PAIRS).chain([Command::Stats]).find(|c| c.name() == name)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    Command(Command),
    /// A value key of the focused dimension (the schema's keys, e.g. `3` on a 1–5 scale).
    SetValue(Value),
    /// Typing in a dialog (skip reason, note, search).
    Char(char),
    Backspace,
    /// Confirm a dialog.
    Enter,
    /// Close a dialog or overlay without doing anything.
    Escape,
    /// Move the selection inside a dialog's list.
    SelectPrev,
    SelectNext,
    /// Time passed: `dt` seconds, of which the annotator was active when `active`.
    Tick {
        dt: f64,
        active: bool,
    },
    /// The item of the current task, read from the session.
    ItemLoaded(Box<Item>),
    /// The store undid or redid a change (`None`: there was nothing to undo/redo).
    Applied {
        event: Option<Box<LabelEvent>>,
        redo: bool,
    },
    /// Search hits (task indices, best first) for `query`.
    SearchResults {
        query: String,
        hits: Vec<usize>,
    },
    /// How many lines the response pane can scroll, measured by the last draw.
    ResponseViewport {
        max_scroll: u32,
        page: u32,
    },
    /// Open the task at this position of the list (a click on the task list); ignored while a
    /// dialog or overlay is open.
    OpenTask(usize),
    /// Open the task under the cursor (the app sends this once at start: it loads what the
    /// first task shows and, in pairs mode, records the order the pair is shown in).
    Start,
    /// Pairs mode: the open pair, read from the session, with its item when it has one.
    PairLoaded {
        pair: Box<Pair>,
        item: Option<Box<Item>>,
    },
    /// The stats screen's numbers (or why they could not be computed).
    StatsReady(Result<Box<super::stats::StatsView>, String>),
    /// Something outside failed (the message is shown; the state is unchanged).
    Failed(String),
    /// A label could not be written: the screen had already shown it (labels are drawn the
    /// moment a key is pressed), so the task's labels go back to what the session holds
    /// (`stored`, when it could still be read) and the message says NOT SAVED.
    NotSaved {
        task: TaskRef,
        stored: Option<Box<TaskLabels>>,
        message: String,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Write a label or task-level change durably, before the next frame.
    Record(NewEvent),
    Undo,
    Redo,
    /// Read an item (with its responses) for display.
    LoadItem(String),
    /// Recompute the stats screen's numbers (off the UI thread).
    ComputeStats,
    /// Read a pair (and its item, if any) for display.
    LoadPair(String),
    /// Run a fuzzy search (off the UI thread).
    Search(String),
    /// Show this image full screen until a key is pressed.
    ShowImage(Option<String>),
    Quit,
}
