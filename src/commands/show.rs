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
use std::time::Duration;

/// Text as it should be printed: always sanitized; on a terminal, wrapped, with right-to-left
/// lines in visual order (terminals do not reorder) and right-to-left paragraphs against the
/// right edge; piped kept in logical order.
fn block(s: &str, tty: bool, width: usize) -> String {
    if !tty {
        return text::sanitize(s);
    }
    let lines: Vec<String> =
        text::display_lines(s, width).iter().map(|l| l.aligned(width).into_owned()).collect();
    lines.join("\n")
}

pub fn run(session: &Path, id: &str, protocol: ImageProtocol) -> CliResult {
    let store = Store::open_read_only(session)?;
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
            crate::outln!("{label:<9}{}", text::sanitize_line(v));
        }
    };
    crate::outln!("{}", text::sanitize_line(&item.id));
    line("country", &item.country);
    line("language", &item.language);
    line("domain", &item.domain);
    crate::outln!("\nquery\n{}", block(&item.query, tty, width));
    if let Some(en) = &item.query_en {
        crate::outln!("\nquery (English)\n{}", block(en, tty, width));
    }
    if let Some(norm) = &item.norm {
        crate::outln!("\nnorm\n{}", block(norm, tty, width));
    }
    let schema = store.schema();
    let labels = store.current_labels()?;
    for r in &item.responses {
        crate::outln!("\n── {} ──", text::sanitize_line(&r.model));
        crate::outln!("{}", block(&r.text, tty, width));
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
        crate::outln!("\n{header}");
        let mut judge_row = format!("{:<name_w$}", "judge");
        for d in &schema.dimensions {
            let v = r.judge.get(&d.name).map(|v| v.to_string()).unwrap_or_else(|| "-".into());
            judge_row.push_str(&format!("  {v:>11}"));
        }
        crate::outln!("{judge_row}");
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
            crate::outln!("{row}");
        }
        for (dim, why) in &r.judge_rationale {
            let subject = why.subject(dim, r.judge.get(dim).copied());
            crate::outln!("  judge on {}: {}", text::sanitize_line(&subject), text::sanitize_line(&why.text));
        }
    }
    Ok(())
}

fn print_image(item: &Item, tty: bool, protocol: ImageProtocol) {
    let Some(image) = &item.image else {
        crate::outln!("\nimage: none");
        return;
    };
    let shown = text::sanitize_line(image);
    if !tty || protocol == ImageProtocol::None {
        let why = if tty { "--image-protocol none" } else { "standard output is not a terminal" };
        crate::outln!("\nimage: {shown} (not shown: {why})");
        return;
    }
    if image.starts_with("http://") || image.starts_with("https://") {
        crate::outln!(
            "\nimage: {shown} (a URL; crossreview never fetches images: import with --images-dir to use a local copy)"
        );
        return;
    }
    match crate::imaging::load_display_image(Path::new(image)) {
        Ok(img) => {
            crate::outln!();
            // viuer draws sixel only when built against libsixel (a C library we do not bundle),
            // so `--image-protocol sixel` prints half-blocks here; the TUI has its own sixel.
            let conf = viuer::Config {
                absolute_offset: false,
                width: Some(60),
                use_kitty: matches!(protocol, ImageProtocol::Auto | ImageProtocol::Kitty) && kitty_answers(),
                use_iterm: matches!(protocol, ImageProtocol::Auto | ImageProtocol::Iterm2),
                ..Default::default()
            };
            if let Err(e) = viuer::print(&img, &conf) {
                crate::outln!("image: {shown} (could not be drawn: {e})");
            }
        }
        Err(why) => crate::outln!("\nimage: {shown} (not shown: {why})"),
    }
}

/// Whether the terminal answers kitty's graphics query, asked with a deadline first: viuer asks
/// without one, and `show` hung for good in a terminal that answers nothing.
fn kitty_answers() -> bool {
    use crate::tui::probe;
    if crossterm::terminal::enable_raw_mode().is_err() {
        return false;
    }
    let (answers, _typed) = probe::ask(&probe::questions(false, true, false), Duration::from_millis(500));
    let _ = crossterm::terminal::disable_raw_mode();
    answers.kitty
}

#[cfg(test)]
mod tests {
    use super::block;

    #[test]
    fn right_to_left_text_ends_at_the_right_edge_on_a_terminal_and_stays_logical_in_a_pipe() {
        let ar = "مرحبا بكم";
        let shown = block(ar, true, 40);
        assert_eq!(crate::text::width(&shown), 40, "{shown:?}");
        // Visual order: the first word read is the rightmost.
        assert!(shown.ends_with(&"مرحبا".chars().rev().collect::<String>()), "{shown:?}");
        assert_eq!(block(ar, false, 40), ar);
        assert_eq!(block("hello world", true, 40), "hello world");
    }
}
