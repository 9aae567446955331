//! The TUI's start: the keymap and theme files, the status line's key hints, and the initial
//! state (this annotator's tasks after filters, sample or plan, shared queue and language order; in
//! adjudicate mode the others' answers) read from the session.

use super::error::TuiError;
use super::filter;
use super::keymap::Keymap;
use super::state::{State, StateInit};
use super::theme::Theme;
use crate::annotate::{AnnotateArgs, Mode};
use crate::model::{TaskRef, Value};
use crate::session_stats::labelling_plan::{LabellingPlan, precision_of_flags};
use crate::store::Store;
use std::collections::{BTreeMap, HashMap};

/// Reads a TOML file named on the command line, with a usage error naming it when unreadable.
fn read_config(path: &std::path::Path, what: &'static str) -> Result<String, TuiError> {
    use crate::bounded_read::{MAX_CONFIG_BYTES, Pipes, read_text};
    read_text(path, MAX_CONFIG_BYTES, Pipes::Accept).map_err(|error| TuiError::ConfigFile {
        path: path.to_path_buf(),
        what,
        error,
    })
}

pub fn load_keymap(args: &AnnotateArgs) -> Result<Keymap, TuiError> {
    match &args.keymap {
        None => Ok(Keymap::default()),
        Some(p) => {
            Keymap::from_toml(&read_config(p, "keymap")?, &p.display().to_string()).map_err(TuiError::from)
        }
    }
}

pub fn load_theme(args: &AnnotateArgs) -> Result<Theme, TuiError> {
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let text = match &args.theme {
        Some(p) => Some((read_config(p, "theme")?, p.display().to_string())),
        None => None,
    };
    Theme::load(text.as_ref().map(|(t, o)| (t.as_str(), o.as_str())), no_color).map_err(TuiError::from)
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

/// The initial state: this annotator's tasks after `--filter`, `--sample` or `--plan`, and
/// `--languages`.
pub fn initial_state(
    store: &Store,
    args: &AnnotateArgs,
    keymap: &Keymap,
    image_protocol: &str,
) -> Result<State, TuiError> {
    let schema = store.schema().clone();
    let filters = args.filter.iter().map(|f| filter::parse(f, &schema)).collect::<Result<Vec<_>, _>>()?;
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
    let judges = if filters.iter().any(filter::Filter::needs_judges) {
        named_judges(store, &filters)?
    } else {
        Vec::new()
    };
    let mut order: Vec<usize> = (0..tasks.len())
        .filter(|&i| {
            let t = &tasks[i];
            let mut of_task: Vec<(&str, &BTreeMap<String, Value>)> = Vec::new();
            if !judges.is_empty() {
                let key = (t.item_id.to_string(), t.model.to_string());
                of_task.extend(
                    judges.iter().filter_map(|(name, values)| Some((name.as_str(), values.get(&key)?))),
                );
            }
            filters.iter().all(|f| f.matches_with_judges(t, labels.get(&t.task), &of_task, &schema))
        })
        .collect();
    if args.plan {
        if args.mode != Mode::Responses {
            return Err(TuiError::PlanWithMode);
        }
        let precision = precision_of_flags(args.margin, args.confidence)?;
        let plan = LabellingPlan::of_session(store, precision, args.by)?;
        order = filter::plan_order(&plan.sample(args.seed.unwrap_or(0)), &tasks, &labels, &schema);
    }
    if let Some(n) = args.sample {
        let seed = args.seed.ok_or(TuiError::SampleWithoutSeed)?;
        order = filter::sample(&order, &tasks, n, seed, args.stratify);
    }
    let mut shared = crate::assign::SessionAssignment::of(store)?;
    if let Some(overlap) = args.overlap {
        // `--hub URL --overlap K`: this session's own queue for K, which the hub's claims
        // then reorder (docs/hub.md).
        let gold_rate = shared.map_or(0.0, |s| s.gold_rate);
        shared = Some(crate::assign::SessionAssignment { overlap, gold_rate });
    }
    match shared {
        // A shared session (`init --overlap K`): this annotator's own queue.
        Some(settings) if args.mode != Mode::Adjudicate && args.sample.is_none() && !args.plan => {
            order = crate::assign::shared_queue(
                store,
                &tasks,
                &order,
                settings,
                &args.annotator,
                &args.languages,
                args.stratify.map(|g| g.as_str()),
            )
            .map_err(|error| TuiError::Queue { session: args.session.clone(), error })?;
        }
        // The plan's order is served as it is (`--languages` is refused with `--plan`).
        _ if args.plan => {}
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
            l.apply(&c.field, c.value, c.text.clone(), c.seconds);
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
    if let Some(adjudication) = state.mode.adjudication_mut() {
        adjudication.answers = answers;
        adjudication.pair_hints = pair_hints(keymap);
    }
    Ok(state)
}

/// Every named judge's values (judge order), for filters on them; a filter naming a judge the
/// session lacks is a command-line error that lists the judges.
fn named_judges(store: &Store, filters: &[filter::Filter]) -> Result<Vec<(String, JudgeValues)>, TuiError> {
    let names = store.judge_names()?;
    for f in filters {
        if let filter::Filter::NamedJudge { judge, .. } = f
            && !names.contains(judge)
        {
            return Err(TuiError::UnknownJudge {
                judge: judge.clone(),
                judges: if names.is_empty() { "none".to_string() } else { names.join(", ") },
            });
        }
    }
    names.into_iter().map(|n| Ok((n.clone(), store.judge_values(&n)?))).collect()
}

type JudgeValues = HashMap<(String, String), BTreeMap<String, Value>>;
