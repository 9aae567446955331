//! `crossreview plan SESSION [--margin M] [--confidence C] [--by FIELD] [--json]`: per stratum
//! and dimension, how many responses need a human decision to know every judge's accuracy
//! within the margin. The numbers come from `session_stats::labelling_plan`; this module checks
//! the arguments and prints.

use super::agreement::{emit, emit_json, pretty};
use super::text_table::render_table;
use crate::agreement::plan::Basis;
use crate::cli::PlanArgs;
use crate::error::{CliError, CliResult};
use crate::session_stats::labelling_plan::{LabellingPlan, precision_of_flags};
use crate::store::Store;

pub fn run(args: &PlanArgs) -> CliResult {
    let precision =
        precision_of_flags(args.margin, args.confidence).map_err(|e| CliError::usage(e.to_string()))?;
    let store = Store::open_read_only(&args.session)?;
    super::warn_unreadable_rows(&store);
    let plan = LabellingPlan::of_session(&store, precision, args.by)?;
    if args.json { emit_json(&pretty(&plan.to_json())) } else { emit(&render(&plan)) }
}

fn render(plan: &LabellingPlan) -> String {
    let p = plan.precision;
    let mut out = format!(
        "Labels needed to know every judge's accuracy within ±{} at {}% confidence\n",
        p.margin,
        p.confidence * 100.0
    );
    if plan.judges.is_empty() {
        out.push_str("No judge scores in this session: planned for the worst case (accuracy 1/2).\n");
    } else {
        out.push_str(&format!("judges: {}\n", plan.judges.join(", ")));
    }
    if let Some(by) = plan.by {
        out.push_str(&format!("strata: by {}\n", by.as_str()));
    }
    if plan.strata.is_empty() {
        out.push_str("\nNo responses in this session: nothing to plan.\n");
        return out;
    }
    for (dim, strata) in &plan.dimensions {
        out.push_str(&format!("\n{dim}\n"));
        let rows: Vec<Vec<String>> = strata
            .iter()
            .map(|s| {
                let assumed = s
                    .judges
                    .iter()
                    .zip(&plan.judges)
                    .map(|(j, name)| match j.basis {
                        Basis::WorstCase => format!("{name} 1/2 (no decision yet)"),
                        Basis::Observed { right, compared, .. } => {
                            format!("{name} {:.2} ({right}/{compared} right)", j.assumed_accuracy)
                        }
                    })
                    .collect::<Vec<_>>()
                    .join("; ");
                vec![
                    s.name.clone(),
                    s.population.to_string(),
                    s.decided.to_string(),
                    s.needed.to_string(),
                    s.to_label.to_string(),
                    assumed,
                ]
            })
            .collect();
        out.push_str(&render_table(
            &["stratum", "responses", "decided", "needed", "to label", "accuracy assumed"],
            &rows,
            &[0, 5],
            "  ",
        ));
    }
    let total = plan.total_to_label();
    if total == 0 {
        out.push_str("\nEnough labels: every judge's accuracy is known within the margin.\n");
    } else {
        let per: Vec<String> = (0..plan.strata.len())
            .filter(|&s| plan.to_label(s) > 0)
            .map(|s| format!("{} {}", plan.strata[s], plan.to_label(s)))
            .collect();
        out.push_str(&format!(
            "\nTo label: {total} responses ({}); `annotate --plan` serves them.\n",
            per.join(", ")
        ));
    }
    out
}
