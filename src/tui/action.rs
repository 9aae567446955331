//! What can happen to the TUI (actions, from keys or from the outside world) and what the
//! pure `update` asks the outside world to do in return (effects).

use crate::model::{Item, Pair, TaskRef, Value};
use crate::store::{LabelEvent, NewEvent, TaskLabels};

/// Where a command's keys apply: the main screen, pairs mode's layer (it wins over the main keys
/// on a pair), dialogs (skip, note, search, tags, reason: other keys type), or anywhere (before
/// everything else, dialogs included).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Layer {
    Main,
    Pairs,
    Dialog,
    Anywhere,
}

/// A command of the keymap: its name in the TOML, its layer, its default keys and what the help
/// screen says of it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CommandInfo {
    pub command: Command,
    pub name: &'static str,
    pub layer: Layer,
    pub keys: &'static [&'static str],
    pub description: &'static str,
}

/// Declares `Command` and `Command::TABLE` from one list, so a command cannot be named in one
/// and forgotten in the other.
macro_rules! commands {
    ($($variant:ident => $name:literal, $layer:ident, [$($key:literal),*], $description:literal;)*) => {
        /// What a key means. These are the names used in the TOML keymap.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Command {
            $($variant,)*
        }

        impl Command {
            /// Every command, in the help screen's order (also the order of the keys shown per
            /// command).
            pub const TABLE: &[CommandInfo] = &[
                $(CommandInfo {
                    command: Command::$variant,
                    name: $name,
                    layer: Layer::$layer,
                    keys: &[$($key),*],
                    description: $description,
                },)*
            ];
        }
    };
}

commands! {
    Yes => "yes", Main, ["1"], "set the focused dimension to yes (1), then focus the next";
    No => "no", Main, ["0"], "set the focused dimension to no (0), then focus the next";
    FocusNext => "focus_next", Main, ["Tab"], "focus the next dimension";
    FocusPrev => "focus_prev", Main, ["BackTab"], "focus the previous dimension";
    NextTask => "next_task", Main, ["j", "Down"], "next task";
    PrevTask => "prev_task", Main, ["k", "Up"], "previous task";
    NextTodo => "next_todo", Main, ["n"], "next task without a complete label from you";
    FirstTask => "first_task", Main, ["Home"], "first task";
    LastTask => "last_task", Main, ["End"], "last task";
    Undo => "undo", Main, ["u"], "undo (also after a restart)";
    Redo => "redo", Main, ["Ctrl-r"], "redo";
    Skip => "skip", Main, ["s"], "skip, with a reason";
    Flag => "flag", Main, ["f"], "flag for adjudication (again to unflag)";
    Note => "note", Main, ["m"], "write a note";
    Reveal => "reveal", Main, ["r"], "reveal the judge's scores (--blind)";
    Search => "search", Main, ["/"], "fuzzy search over ids, queries, norms, responses";
    Image => "image", Main, ["z"], "show the image full screen";
    Guidelines => "guidelines", Main, ["g"], "guidelines for each dimension";
    Help => "help", Main, ["?"], "this help";
    Quit => "quit", Main, ["q"], "quit (everything is already saved)";
    ScrollDown => "scroll_down", Main, ["J", "Ctrl-e"], "scroll the response down";
    ScrollUp => "scroll_up", Main, ["K", "Ctrl-y"], "scroll the response up";
    PageDown => "page_down", Main, ["Space", "PageDown"], "scroll the response a page down";
    PageUp => "page_up", Main, ["b", "PageUp"], "scroll the response a page up";
    Stats => "stats", Main, ["a"], "agreement, label distributions, judge vs humans, progress";
    LeftBetter => "left_better", Pairs, ["1"], "pairs: the left response is better";
    RightBetter => "right_better", Pairs, ["2"], "pairs: the right response is better";
    Tie => "tie", Pairs, ["t"], "pairs: tie (both fine)";
    BothBad => "both_bad", Pairs, ["b"], "pairs: both are bad";
    Unsure => "unsure", Pairs, ["x"], "pairs: unsure";
    Tags => "tags", Pairs, ["c"], "pairs: reason tags (cultural misstep, non-compliance, …)";
    Confirm => "confirm", Dialog, ["Enter"], "dialogs: save or open";
    Cancel => "cancel", Dialog, ["Esc"], "dialogs: close without doing anything";
    SelectPrev => "select_prev", Dialog, ["Up", "BackTab"], "dialogs: select the entry above";
    SelectNext => "select_next", Dialog, ["Down", "Tab"], "dialogs: select the entry below";
    DeleteChar => "delete_char", Dialog, ["Backspace"], "dialogs: delete the last character typed";
    Interrupt => "interrupt", Anywhere, ["Ctrl-c"], "quit from anywhere, dialogs included";
}

impl Command {
    fn info(self) -> &'static CommandInfo {
        Command::TABLE.iter().find(|c| c.command == self).expect("every command is in the table")
    }

    /// The commands of a layer, in the table's order.
    pub fn of_layer(layer: Layer) -> impl Iterator<Item = Command> {
        Command::TABLE.iter().filter(move |c| c.layer == layer).map(|c| c.command)
    }

    pub fn layer(self) -> Layer {
        self.info().layer
    }

    /// The name in the keymap TOML.
    pub fn name(self) -> &'static str {
        self.info().name
    }

    pub fn describe(self) -> &'static str {
        self.info().description
    }

    /// The action a key of this command sends: dialog keys and the interrupt key send the
    /// actions dialogs understand (and quit), the others the command itself.
    pub fn action(self) -> Action {
        match self {
            Command::Confirm => Action::Enter,
            Command::Cancel => Action::Escape,
            Command::SelectPrev => Action::SelectPrev,
            Command::SelectNext => Action::SelectNext,
            Command::DeleteChar => Action::Backspace,
            Command::Interrupt => Action::Command(Command::Quit),
            c => Action::Command(c),
        }
    }

    pub fn from_name(name: &str) -> Option<Command> {
        Command::TABLE.iter().find(|c| c.name == name).map(|c| c.command)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    Command(Command),
    /// `annotate --hub URL --overlap K`: what the hub said of the claimed tasks.
    HubClaims(Box<crate::hub::claims::ClaimView>),
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
    /// The named judges of that item's responses.
    JudgesLoaded(Box<crate::tui::state::ItemJudges>),
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
    StatsReady(Result<Box<super::stats::StatsView>, super::stats::StatsError>),
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
