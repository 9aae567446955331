//! What `annotate` opens and how: the session, the annotator, the mode, filters and sampling,
//! display options. Parsed by the command line (clap derives it here) and read by the TUI.

use crate::imaging::ImageProtocol;
use crate::model::GroupBy;
use std::path::PathBuf;

// What the annotator works on.
#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Responses,
    Pairs,
    Adjudicate,
}

// `annotate`'s arguments.
#[derive(clap::Args, Debug, Clone)]
pub struct AnnotateArgs {
    pub session: PathBuf,
    #[arg(long)]
    pub annotator: String,
    #[arg(long, value_enum, default_value_t = Mode::Responses)]
    pub mode: Mode,
    /// Hide the judge's scores until every dimension is labelled (or `r` is pressed).
    #[arg(long)]
    pub blind: bool,
    /// e.g. country=Japan, model=gpt-4o, judge.compliance=0, unlabelled, disagrees-with-judge, flagged
    #[arg(long)]
    pub filter: Vec<String>,
    /// Review a reproducible random sample of N tasks (N >= 1).
    #[arg(long, requires = "seed", value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..))]
    pub sample: Option<usize>,
    #[arg(long)]
    pub seed: Option<u64>,
    /// Spread the sample evenly over the values of this field.
    #[arg(long, value_enum, requires = "sample")]
    pub stratify: Option<GroupBy>,
    /// Serve the labelling plan's sample (`crossreview plan`): per stratum, the responses still
    /// to label to know every judge's accuracy within --margin, chosen by --seed (default 0).
    #[arg(long, conflicts_with_all = ["filter", "sample", "stratify", "languages"])]
    pub plan: bool,
    /// With --plan: the half-width of every judge's accuracy interval.
    #[arg(long, requires = "plan", default_value_t = 0.05, allow_hyphen_values = true)]
    pub margin: f64,
    /// With --plan: the confidence of that interval.
    #[arg(long, requires = "plan", default_value_t = 0.95, allow_hyphen_values = true)]
    pub confidence: f64,
    /// With --plan: plan per value of this field.
    #[arg(long, value_enum, requires = "plan")]
    pub by: Option<GroupBy>,
    /// Languages this annotator reads (ISO codes, comma-separated); their tasks come first.
    #[arg(long, value_delimiter = ',')]
    pub languages: Vec<String>,
    #[arg(long, value_enum, default_value_t = ImageProtocol::Auto)]
    pub image_protocol: ImageProtocol,
    /// A TOML keymap that overrides the default keys.
    #[arg(long)]
    pub keymap: Option<PathBuf>,
    /// A TOML theme.
    #[arg(long)]
    pub theme: Option<PathBuf>,
    /// Leave the mouse to the terminal (its own text selection) instead of scrolling and clicking.
    #[arg(long)]
    pub no_mouse: bool,
    /// Sync with the team hub at this URL in the background, and once more on quit.
    #[arg(long, value_name = "URL")]
    pub hub: Option<String>,
    /// Seconds between background syncs with --hub.
    #[arg(long, value_name = "SECONDS", default_value_t = 5, requires = "hub", value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub hub_every: u64,
    /// With --hub: K annotators per task across every machine, tasks claimed in the hub with
    /// leases (offline, this session's own queue for K).
    #[arg(long, value_name = "K", requires = "hub", value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=100))]
    pub overlap: Option<usize>,
}

impl AnnotateArgs {
    /// `annotate SESSION --annotator NAME` with every option at its default.
    pub fn new(session: PathBuf, annotator: &str) -> AnnotateArgs {
        AnnotateArgs {
            session,
            annotator: annotator.to_string(),
            mode: Mode::Responses,
            blind: false,
            filter: Vec::new(),
            sample: None,
            seed: None,
            stratify: None,
            plan: false,
            margin: 0.05,
            confidence: 0.95,
            by: None,
            languages: Vec::new(),
            image_protocol: ImageProtocol::Auto,
            keymap: None,
            theme: None,
            no_mouse: false,
            hub: None,
            hub_every: 5,
            overlap: None,
        }
    }
}
