//! The command line: argument definitions (clap) and dispatch to `commands/`. Kept thin: every
//! command's work lives in its own module.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

// The value types clap parses into belong to the library modules that use them.
pub use crate::annotate::{AnnotateArgs, Mode};
pub use crate::export::ExportFormat;
pub use crate::imaging::ImageProtocol;
pub use crate::model::GroupBy;

#[derive(Parser, Debug)]
#[command(
    name = "crossreview",
    version,
    about = "Validate LLM-judge scores, curate DPO pairs and measure inter-annotator agreement for multimodal cultural-safety evaluation, in the terminal.",
    propagate_version = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Open the bundled demo (created as sessions/demo.db under the current folder if absent).
    Demo {
        #[arg(long, default_value = "demo")]
        annotator: String,
        #[arg(long, value_enum, default_value_t = ImageProtocol::Auto)]
        image_protocol: ImageProtocol,
    },
    /// Create an empty session.
    Init {
        session: PathBuf,
        /// A TOML label schema (default: the four binary CROSS-Eval dimensions).
        #[arg(long)]
        schema: Option<PathBuf>,
        /// Replace an existing session file.
        #[arg(long)]
        force: bool,
        /// Share the work among annotators: each task is served to K annotators (typically 2 or 3)
        /// and each annotator gets their own queue. Without it every annotator sees every task.
        #[arg(long, value_name = "K", value_parser = clap::value_parser!(u32).range(1..=20))]
        overlap: Option<u32>,
        /// With --overlap: the share of gold items (known answers in meta.gold) mixed into each
        /// queue.
        #[arg(long, value_name = "RATE", default_value_t = 0.1, requires = "overlap")]
        gold_rate: f64,
    },
    /// Validate input files, then import them into a session in one transaction.
    Import {
        session: PathBuf,
        #[arg(required = true)]
        files: Vec<PathBuf>,
        #[command(flatten)]
        input: InputArgs,
        /// The judge whose scores these files carry (default `judge`); scores of responses
        /// already in the session are added to theirs, under this name.
        #[arg(long, value_name = "NAME")]
        judge: Option<String>,
    },
    /// Check input files without importing them (exit 0 when valid).
    Validate {
        #[arg(required = true)]
        files: Vec<PathBuf>,
        #[command(flatten)]
        input: InputArgs,
        /// Check judge values against this TOML schema instead of the CROSS-Eval default.
        #[arg(long)]
        schema: Option<PathBuf>,
    },
    /// Label responses, validate pairs or adjudicate in the terminal UI.
    Annotate(AnnotateArgs),
    /// Progress: items, responses, pairs; labels per annotator and dimension.
    Status {
        session: PathBuf,
        #[arg(long)]
        json: bool,
    },
    /// Inter-annotator agreement on a session, or on a plain ratings table (--ratings).
    Agreement(AgreementArgs),
    /// The CROSS-style results table: judge and human shares of 1s per dimension and group.
    Report {
        session: PathBuf,
        #[arg(long, value_enum)]
        by: Option<GroupBy>,
        #[arg(long)]
        json: bool,
        /// A table per dimension: every judge's accuracy (Wilson interval), kappa and n, the
        /// best judge marked, and the strata that lack labels for --margin.
        #[arg(long)]
        judges: bool,
        /// With --judges: the margin every judge's accuracy should be known within.
        #[arg(long, default_value_t = 0.05, requires = "judges")]
        margin: f64,
        /// With --judges: the confidence of the intervals and of the margin.
        #[arg(long, default_value_t = 0.95, requires = "judges")]
        confidence: f64,
    },
    /// How many responses to label, per stratum, to know every judge's accuracy within a margin.
    Plan(PlanArgs),
    /// Export labels, gold labels or training data.
    Export(ExportArgs),
    /// Merge other sessions' items and labels into TARGET (idempotent).
    Merge {
        target: PathBuf,
        #[arg(required = true)]
        sources: Vec<PathBuf>,
    },
    /// The team hub: a PostgreSQL database every annotator's session syncs with.
    #[command(subcommand)]
    Hub(HubCommand),
    /// Push the session's rows the hub lacks and pull those the session lacks (idempotent).
    Sync {
        session: PathBuf,
        /// postgres://USER@HOST:PORT/DATABASE (password from PGPASSWORD or ~/.pgpass)
        url: String,
    },
    /// Print one item and its image to the terminal.
    Show {
        session: PathBuf,
        id: String,
        #[arg(long, value_enum, default_value_t = ImageProtocol::Auto)]
        image_protocol: ImageProtocol,
    },
}

#[derive(Subcommand, Debug)]
pub enum HubCommand {
    /// Create the hub's tables in the database at URL and upload the session.
    Init {
        /// postgres://USER@HOST:PORT/DATABASE (password from PGPASSWORD or ~/.pgpass)
        url: String,
        session: PathBuf,
    },
}

#[derive(Args, Debug, Clone)]
pub struct InputArgs {
    #[arg(long, value_enum, default_value_t = InputFormat::Auto)]
    pub format: InputFormat,
    /// Model name for a CROSS results file (default: from results_<model>_r<round>.json).
    #[arg(long)]
    pub model: Option<String>,
    /// Where images given as URLs are looked up: the file whose path ends like the URL's, the longest match winning.
    #[arg(long)]
    pub images_dir: Option<PathBuf>,
    /// Make every item of these files a gold item (known answers): its meta.gold, else the
    /// judge's scores of its responses.
    #[arg(long)]
    pub gold: bool,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputFormat {
    Auto,
    Jsonl,
    Cross,
    Pairs,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum LevelArg {
    Nominal,
    Ordinal,
    Interval,
    Ratio,
}

#[derive(Args, Debug, Clone)]
pub struct AgreementArgs {
    /// The session (omit with --ratings).
    #[arg(required_unless_present = "ratings", conflicts_with = "ratings")]
    pub session: Option<PathBuf>,
    /// A plain ratings table (CSV or JSON) instead of a session.
    #[arg(long)]
    pub ratings: Option<PathBuf>,
    #[arg(long, value_enum)]
    pub level: Option<LevelArg>,
    /// Category order, for ordinal and weighted statistics (negative values such as -1,0,1
    /// are accepted).
    #[arg(long, value_delimiter = ',', allow_hyphen_values = true)]
    pub categories: Option<Vec<String>>,
    #[arg(long = "dimension")]
    pub dimensions: Vec<String>,
    /// Compare the LLM judges with the humans (and with each other) as well; `judge` in the
    /// output is judge NAME when given, else the session's default judge.
    #[arg(long, value_name = "NAME", num_args = 0..=1)]
    pub judge: Option<Option<String>>,
    #[arg(long, value_enum)]
    pub by: Option<GroupBy>,
    /// Percentile-bootstrap confidence intervals for alpha with N resamples.
    #[arg(long)]
    pub bootstrap: Option<usize>,
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    #[arg(long)]
    pub json: bool,
}

#[derive(Args, Debug, Clone)]
pub struct PlanArgs {
    pub session: PathBuf,
    /// Half-width of every judge's accuracy interval (0.05 = five percentage points).
    #[arg(long, default_value_t = 0.05, allow_hyphen_values = true)]
    pub margin: f64,
    /// Confidence of that interval.
    #[arg(long, default_value_t = 0.95, allow_hyphen_values = true)]
    pub confidence: f64,
    /// Plan per value of this field (each stratum gets its own sample).
    #[arg(long, value_enum)]
    pub by: Option<GroupBy>,
    #[arg(long)]
    pub json: bool,
}

#[derive(Args, Debug, Clone)]
pub struct ExportArgs {
    pub session: PathBuf,
    #[arg(long, value_enum)]
    pub format: ExportFormat,
    /// Output file, or - for standard output.
    #[arg(long)]
    pub out: PathBuf,
    /// Only these annotators' labels.
    #[arg(long = "annotator")]
    pub annotators: Vec<String>,
    /// Keep a pair only when at least K annotators validated it and the majority agrees.
    #[arg(long, default_value_t = 1)]
    pub min_annotators: usize,
    /// Write image paths as absolute paths instead of relative to the output file.
    #[arg(long)]
    pub absolute_paths: bool,
    /// dpo-openai: write image paths (or URLs) in `image_url` instead of embedding each file as a
    /// base64 data URL.
    #[arg(long)]
    pub image_paths: bool,
}
