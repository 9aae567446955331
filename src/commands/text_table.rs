//! Text tables and numbers as the commands print them (`agreement`, `report`, `plan`): one
//! place, so every command aligns and rounds alike.

use crate::agreement::Stat;
use unicode_width::UnicodeWidthStr;

pub(crate) fn fmt_stat(s: &Stat) -> String {
    match s {
        Ok(x) => format!("{x:.4}"),
        Err(_) => "n/a".to_string(),
    }
}

pub(crate) fn fmt_share(s: &Stat) -> String {
    match s {
        Ok(x) => format!("{:.1}%", x * 100.0),
        Err(_) => "n/a".to_string(),
    }
}

/// An aligned table, widths by display width.
/// `left` lists the left-aligned columns (text); the others are right-aligned (numbers).
pub(crate) fn render_table(header: &[&str], rows: &[Vec<String>], left: &[usize], indent: &str) -> String {
    let cols = header.len();
    let mut widths: Vec<usize> = header.iter().map(|h| h.width()).collect();
    for r in rows {
        for (i, c) in r.iter().enumerate().take(cols) {
            widths[i] = widths[i].max(c.width());
        }
    }
    let mut out = String::new();
    let mut line = |cells: Vec<&str>| {
        let mut s = indent.to_string();
        for (i, c) in cells.iter().enumerate() {
            let pad = widths[i].saturating_sub(c.width());
            if i > 0 {
                s.push_str("  ");
            }
            if left.contains(&i) {
                s.push_str(c);
                s.push_str(&" ".repeat(pad));
            } else {
                s.push_str(&" ".repeat(pad));
                s.push_str(c);
            }
        }
        out.push_str(s.trim_end());
        out.push('\n');
    };
    line(header.to_vec());
    for r in rows {
        line(r.iter().map(|s| s.as_str()).collect());
    }
    out
}
