//! `crossreview show SESSION ID`: one item printed to the terminal, outside the TUI: the query,
//! its English version, the norm, every response with the judge's scores and the labels given so
//! far, and the image (through viuer) when standard output is a terminal.

use crate::cli::ImageProtocol;
use crate::error::{CliError, CliResult};
use crate::model::{Item, TaskRef};
use crate::store::Store;
use crate::text;
use std::io::IsTerminal;
use std::path::Path;

/// Text as it should be printed: always sanitized; on a terminal, wrapped and with
/// right-to-left lines in visual order (terminals do not reorder), piped kept in logical order.
fn block(s: &str, tty: bool, width: usize) -> String {
    if tty { text::display_lines(s, width).join("\n") } else { text::sanitize(s) }
}

pub fn run(session: &Path, id: &str, protocol: ImageProtocol) -> CliResult {
    let store = Store::open(session)?;
    super::warn_unreadable_rows(&store);
    let Some(item) = store.item(id)? else {
        let hint = store
            .item_ids()?
            .into_iter()
            .find(|i| i.to_lowercase().contains(&id.to_lowercase()))
            .map(|i| format!(" (did you mean {i:?}?)"))
            .unwrap_or_default();
        return Err(CliError::data(format!("{}: no item with id {id:?}{hint}", session.display())));
    };
    let tty = std::io::stdout().is_terminal();
    let width = crossterm::terminal::size().map(|(w, _)| w as usize).unwrap_or(100).clamp(40, 160);
    print_item(&store, &item, tty, width)?;
    print_image(&item, tty, protocol);
    Ok(())
}

fn print_item(store: &Store, item: &Item, tty: bool, width: usize) -> CliResult {
    let line = |label: &str, v: &Option<String>| {
        if let Some(v) = v {
            println!("{label:<9}{}", text::sanitize_line(v));
        }
    };
    println!("{}", text::sanitize_line(&item.id));
    line("country", &item.country);
    line("language", &item.language);
    line("domain", &item.domain);
    println!("\nquery\n{}", block(&item.query, tty, width));
    if let Some(en) = &item.query_en {
        println!("\nquery (English)\n{}", block(en, tty, width));
    }
    if let Some(norm) = &item.norm {
        println!("\nnorm\n{}", block(norm, tty, width));
    }
    let schema = store.schema();
    let labels = store.current_labels()?;
    for r in &item.responses {
        println!("\n── {} ──", text::sanitize_line(&r.model));
        println!("{}", block(&r.text, tty, width));
        let task = TaskRef::Response { item_id: item.id.clone(), model: r.model.clone() };
        let mut annotators: Vec<&str> =
            labels.iter().filter(|l| l.task == task).map(|l| l.annotator.as_str()).collect();
        annotators.sort();
        annotators.dedup();
        let name_w = annotators.iter().map(|a| text::width(a)).max().unwrap_or(0).max(5);
        let mut header = format!("{:<name_w$}", "");
        for d in &schema.dimensions {
            header.push_str(&format!("  {:>11}", d.name));
        }
        println!("\n{header}");
        let mut judge_row = format!("{:<name_w$}", "judge");
        for d in &schema.dimensions {
            let v = r.judge.get(&d.name).map(|v| v.to_string()).unwrap_or_else(|| "-".into());
            judge_row.push_str(&format!("  {v:>11}"));
        }
        println!("{judge_row}");
        for a in annotators {
            let mut row = text::pad(&text::sanitize_line(a), name_w);
            for d in &schema.dimensions {
                let v = labels
                    .iter()
                    .find(|l| l.task == task && l.annotator == a && l.field == d.name)
                    .and_then(|l| l.value)
                    .map(|v| v.to_string())
                    .unwrap_or_else(|| "-".into());
                row.push_str(&format!("  {v:>11}"));
            }
            println!("{row}");
        }
        for (dim, why) in &r.judge_rationale {
            println!("  judge on {dim}: {}", text::sanitize_line(why));
        }
    }
    Ok(())
}

fn print_image(item: &Item, tty: bool, protocol: ImageProtocol) {
    let Some(image) = &item.image else {
        println!("\nimage: none");
        return;
    };
    let shown = text::sanitize_line(image);
    if !tty || protocol == ImageProtocol::None {
        let why = if tty { "--image-protocol none" } else { "standard output is not a terminal" };
        println!("\nimage: {shown} (not shown: {why})");
        return;
    }
    if image.starts_with("http://") || image.starts_with("https://") {
        println!(
            "\nimage: {shown} (a URL; crossreview never fetches images: import with --images-dir to use a local copy)"
        );
        return;
    }
    match crate::imaging::load_display_image(Path::new(image)) {
        Ok(img) => {
            println!();
            // viuer draws sixel only when built against libsixel (a C library we do not bundle),
            // so `--image-protocol sixel` prints half-blocks here; the TUI has its own sixel.
            let conf = viuer::Config {
                absolute_offset: false,
                width: Some(60),
                use_kitty: matches!(protocol, ImageProtocol::Auto | ImageProtocol::Kitty),
                use_iterm: matches!(protocol, ImageProtocol::Auto | ImageProtocol::Iterm2),
                ..Default::default()
            };
            if let Err(e) = viuer::print(&img, &conf) {
                println!("image: {shown} (could not be drawn: {e})");
            }
        }
        Err(why) => println!("\nimage: {shown} (not shown: {why})"),
    }
}
