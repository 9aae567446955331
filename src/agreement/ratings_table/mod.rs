//! `agreement --ratings` files: a plain ratings table, without a session (docs/agreement.md,
//! "`--ratings` files").
//!
//! - CSV: a header row naming the raters; one row per item; an empty cell is a missing rating;
//!   an optional first column named `item` holds item ids. A header with tabs and no commas is
//!   read as tab-separated.
//! - JSON: `{"categories": [...], "ratings": [[rater 0's value per item, null = missing], ...]}`
//!   (raters × items), optionally `"raters"`, `"items"` and `"level"`; other keys (such as the
//!   reference files' `expected`, `source`, …) are ignored.
//!
//! Category order: `--categories`, else the JSON `categories`, else numeric order when every value
//! is a number, else order of first appearance in the file.
//!
//! The input is read as a stream ([`read_ratings`] takes any `Read`; the caller opens the file),
//! each cell going straight to a one-byte value id per rater, so a 10 × 1,000,000 table is never
//! held as text nor as strings. Errors are `FILE:LINE[:COLUMN]: message`.

mod csv_counts;
mod csv_file;
mod json_file;
mod plain_lines;
mod scale;
#[cfg(test)]
mod tests;
mod values;

use crate::agreement::matrix::RatingMatrix;
use crate::agreement::table_counts::TableCounts;
use crate::schema::Level;
use serde_json::Value;
use std::io::{BufRead, BufReader, Read};
use values::{Column, Interner};

/// A parsed ratings table.
#[derive(Debug, Clone, PartialEq)]
pub struct RatingsTable {
    pub raters: Vec<String>,
    /// Item ids, when the file gives them.
    pub items: Option<Vec<String>>,
    /// Category codes index `labels`.
    pub matrix: RatingMatrix,
    /// Category labels in scale order (numbers when numeric).
    pub labels: Vec<Value>,
    /// The categories' numeric values, when they are all numbers.
    pub values: Option<Vec<f64>>,
    /// The level the file declares (JSON `"level"`), if any.
    pub level: Option<Level>,
}

/// A ratings table as the counts its statistics need ([`crate::agreement::analyze_counts`]).
#[derive(Debug, Clone)]
pub struct CountedRatings {
    pub raters: Vec<String>,
    /// Category labels in scale order (numbers when numeric).
    pub labels: Vec<Value>,
    /// The categories' numeric values, when they are all numbers.
    pub values: Option<Vec<f64>>,
    /// The level the file declares (JSON `"level"`), if any.
    pub level: Option<Level>,
    pub counts: TableCounts,
}

impl CountedRatings {
    pub fn from_table(table: RatingsTable) -> CountedRatings {
        let counts = TableCounts::from_matrix(&table.matrix);
        let RatingsTable { raters, labels, values, level, .. } = table;
        CountedRatings { raters, labels, values, level, counts }
    }
}

/// At most this many errors are listed; then a count.
const MAX_ERRORS: usize = 50;

/// Read size: large reads keep the system calls few on a table of tens of megabytes.
const BUFFER: usize = 256 * 1024;

/// How much of a CSV's first line is looked at to choose the delimiter.
const HEADER_LOOK: usize = 1 << 20;

/// The table as read: one column of value ids per rater.
struct RawTable {
    raters: Vec<String>,
    items: Option<Vec<String>>,
    n_items: usize,
    columns: Vec<Column>,
    interner: Interner,
    /// JSON `categories`, with their positions.
    categories: Option<Vec<(Value, usize, usize)>>,
    level: Option<Level>,
}

/// What is wrong with a ratings file: one `FILE:LINE[:COLUMN]: message` line per problem found
/// (at most [`MAX_ERRORS`]), then how many there were when more than one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", .lines.join("\n"))]
pub struct RatingsError {
    pub lines: Vec<String>,
}

impl From<Vec<String>> for RatingsError {
    fn from(lines: Vec<String>) -> RatingsError {
        RatingsError { lines }
    }
}

fn finish_errors(mut errors: Vec<String>, origin: &str) -> Vec<String> {
    let n = errors.len();
    if n > MAX_ERRORS {
        errors.truncate(MAX_ERRORS);
        errors.push(format!("{origin}: {n} errors in all ({} not shown)", n - MAX_ERRORS));
    } else if n > 1 {
        errors.push(format!("{origin}: {n} errors"));
    }
    errors
}

/// Parses a CSV or JSON ratings table held in memory. `categories` is `--categories`, when given.
pub fn parse_ratings(
    bytes: &[u8],
    origin: &str,
    categories: Option<&[String]>,
) -> Result<RatingsTable, RatingsError> {
    read_ratings(bytes, origin, categories)
}

/// Counts a ratings table held in memory: as [`parse_ratings`], without building its matrix
/// when the table is a common CSV.
pub fn count_ratings(
    bytes: &[u8],
    origin: &str,
    categories: Option<&[String]>,
) -> Result<CountedRatings, RatingsError> {
    count_from(bytes, origin, categories, csv_counts::PLAN)
}

/// Counts the ratings table in a regular file of `size` bytes: a common CSV on two threads,
/// straight into counts; any other table read as by [`read_ratings`].
pub fn count_ratings_file(
    file: &std::fs::File,
    size: u64,
    origin: &str,
    categories: Option<&[String]>,
) -> Result<CountedRatings, RatingsError> {
    count_from(&csv_counts::FileAt { file, size }, origin, categories, csv_counts::PLAN)
}

fn count_from<S: csv_counts::ReadAt + ?Sized>(
    src: &S,
    origin: &str,
    categories: Option<&[String]>,
    plan: csv_counts::Plan,
) -> Result<CountedRatings, RatingsError> {
    match csv_counts::count_csv(src, origin, categories, plan) {
        Ok(c) => Ok(CountedRatings {
            raters: c.raters,
            labels: c.labels,
            values: c.values,
            level: None,
            counts: c.counts,
        }),
        Err(csv_counts::Declined) => {
            let table = read_ratings(ReaderAt { src, at: 0 }, origin, categories)?;
            Ok(CountedRatings::from_table(table))
        }
    }
}

/// Reads a [`csv_counts::ReadAt`] source from its start.
struct ReaderAt<'s, S: ?Sized> {
    src: &'s S,
    at: u64,
}

impl<S: csv_counts::ReadAt + ?Sized> Read for ReaderAt<'_, S> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.src.read_at(buf, self.at)?;
        self.at += n as u64;
        Ok(n)
    }
}

/// Reads a CSV or JSON ratings table from `input` (read to its end). `origin` names it in
/// messages; `categories` is `--categories`, when given.
pub fn read_ratings(
    input: impl Read,
    origin: &str,
    categories: Option<&[String]>,
) -> Result<RatingsTable, RatingsError> {
    let mut input = BufReader::with_capacity(BUFFER, input);
    let cannot_read = |e: std::io::Error| vec![format!("{origin}: cannot read the ratings file: {e}")];
    // The first bytes are read ahead (and given back, CSV line numbers count blank lines):
    // past a byte-order mark (dropped) and blanks, the first character tells CSV from JSON,
    // and a CSV's first line its delimiter.
    let mut head = Vec::new();
    let mut more = |head: &mut Vec<u8>| -> Result<bool, Vec<String>> {
        let buf = input.fill_buf().map_err(cannot_read)?;
        let n = buf.len();
        head.extend_from_slice(buf);
        input.consume(n);
        Ok(n > 0)
    };
    while head.len() < 3 && more(&mut head)? {}
    if head.starts_with(b"\xEF\xBB\xBF") {
        head.drain(..3);
    }
    let first = loop {
        match head.iter().find(|b| !b" \t\r\n".contains(b)).copied() {
            Some(b) => break Some(b),
            None if !more(&mut head)? => break None,
            None => {}
        }
    };
    let first_line_read = |head: &Vec<u8>| head.len() >= HEADER_LOOK || head.contains(&b'\n');
    if first.is_some_and(|b| b != b'{' && b != b'[') {
        while !first_line_read(&head) && more(&mut head)? {}
    }
    let header_line: Vec<u8> = head.iter().copied().take_while(|&b| b != b'\n').collect();
    let input = std::io::Cursor::new(head).chain(input);
    let raw = match first {
        None => {
            return Err(vec![format!(
                "{origin}: the file is empty; give a CSV with a header row of rater names, or a JSON object with \"ratings\""
            )]
            .into());
        }
        Some(b'[') => {
            return Err(vec![format!(
                "{origin}:1: a JSON ratings file is an object {{\"categories\": [...], \"ratings\": [[...], ...]}}, not a bare array"
            )]
            .into());
        }
        Some(b'{') => json_file::read_json(input, origin)?,
        Some(_) => csv_file::read_csv(input, &header_line, origin)?,
    };
    Ok(scale::resolve(raw, origin, categories)?)
}
