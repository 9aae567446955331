//! A CSV ratings table: a header row naming the raters, one row per item, an empty cell for a
//! missing rating, an optional first column `item`. Read with the `csv` crate, record by record,
//! straight into one value id per cell.
//!
//! Cells are looked up by their raw bytes first: a table of a million rows usually holds a
//! handful of distinct cells ("1", "", " 2"…), so almost every cell costs one table look-up, and
//! only a cell never seen before is checked as UTF-8, trimmed and interned.

use super::values::{Column, Interner, NO_VALUE};
use super::{RawTable, finish_errors};
use std::collections::HashMap;
use std::io::Read;

/// Not looked up yet.
const UNKNOWN: u32 = u32::MAX - 1;

/// Raw cell bytes → value id (or [`NO_VALUE`] for a blank cell). Empty and one-byte cells (a
/// missing rating, a digit) are found by indexing; longer ones in a hash map.
struct RawCells {
    empty: u32,
    one_byte: [u32; 256],
    longer: HashMap<Box<[u8]>, u32>,
}

impl Default for RawCells {
    fn default() -> RawCells {
        RawCells { empty: UNKNOWN, one_byte: [UNKNOWN; 256], longer: HashMap::new() }
    }
}

impl RawCells {
    #[inline]
    fn get(&self, raw: &[u8]) -> Option<u32> {
        let id = match raw {
            [] => self.empty,
            [b] => self.one_byte[*b as usize],
            _ => return self.longer.get(raw).copied(),
        };
        (id != UNKNOWN).then_some(id)
    }

    fn insert(&mut self, raw: &[u8], id: u32) {
        match raw {
            [] => self.empty = id,
            [b] => self.one_byte[*b as usize] = id,
            _ => {
                self.longer.insert(raw.into(), id);
            }
        }
    }
}

/// Watches the raw bytes for a quoted cell that is never closed (the `csv` crate reads such a
/// cell to the end of the file without complaint): a quote opens a cell only right after a
/// delimiter or a line break (or at the very start), `""` inside is an escaped quote.
struct QuoteWatch<R> {
    inner: R,
    delim: u8,
    in_quote: bool,
    /// A quote inside a quoted cell was the last byte of the previous chunk: an escaped quote
    /// if the next byte is a quote too, else the closing one.
    quote_at_end: bool,
    prev: u8,
    /// Lines seen so far (1-based line of the current byte), and where the open quote was.
    line: usize,
    open_line: usize,
}

impl<R: Read> Read for QuoteWatch<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.watch(&buf[..n]);
        Ok(n)
    }
}

impl<R> QuoteWatch<R> {
    fn watch(&mut self, chunk: &[u8]) {
        let mut i = 0;
        if self.quote_at_end && !chunk.is_empty() {
            self.quote_at_end = false;
            if chunk[0] == b'"' {
                i = 1;
            } else {
                self.in_quote = false;
            }
        }
        while i < chunk.len() {
            if self.in_quote {
                // Only quotes and line breaks matter inside a quoted cell.
                match memchr::memchr2(b'"', b'\n', &chunk[i..]) {
                    None => i = chunk.len(),
                    Some(k) => {
                        let at = i + k;
                        if chunk[at] == b'\n' {
                            self.line += 1;
                            i = at + 1;
                        } else if at + 1 == chunk.len() {
                            self.quote_at_end = true;
                            i = at + 1;
                        } else if chunk[at + 1] == b'"' {
                            i = at + 2;
                        } else {
                            self.in_quote = false;
                            i = at + 1;
                        }
                    }
                }
            } else {
                match memchr::memchr2(b'"', b'\n', &chunk[i..]) {
                    None => i = chunk.len(),
                    Some(k) => {
                        let at = i + k;
                        if chunk[at] == b'\n' {
                            self.line += 1;
                        } else {
                            let before = if at == 0 { self.prev } else { chunk[at - 1] };
                            if before == self.delim || before == b'\n' || before == b'\r' || before == 0 {
                                self.in_quote = true;
                                self.open_line = self.line;
                            }
                        }
                        i = at + 1;
                    }
                }
            }
        }
        if let Some(&last) = chunk.last() {
            self.prev = last;
        }
    }

    /// The line of a quoted cell still open at the end of the input.
    fn unclosed(&self) -> Option<usize> {
        (self.in_quote && !self.quote_at_end).then_some(self.open_line)
    }
}

/// Column (1-based, in characters) where cell `k` of a record starts, counted from its cells as
/// if none was quoted (quotes are rare in ratings tables; the line is exact either way).
fn column_of(record: &csv::ByteRecord, k: usize) -> usize {
    record.iter().take(k).map(|f| String::from_utf8_lossy(f).chars().count() + 1).sum::<usize>() + 1
}

/// The record's text, or where it stops being UTF-8 (line, column).
fn check_utf8(record: &csv::ByteRecord, line: usize) -> Result<(), (usize, usize)> {
    for (k, field) in record.iter().enumerate() {
        if let Err(e) = std::str::from_utf8(field) {
            let before = String::from_utf8_lossy(&field[..e.valid_up_to()]).chars().count();
            return Err((line, column_of(record, k) + before));
        }
    }
    Ok(())
}

fn not_utf8(origin: &str, (line, col): (usize, usize)) -> Vec<String> {
    vec![format!("{origin}:{line}:{col}: the file is not valid UTF-8")]
}

fn is_blank(record: &csv::ByteRecord) -> bool {
    record.len() == 1 && record[0].iter().all(|b| b.is_ascii_whitespace())
}

/// Reads the next non-blank record; its line, or `None` at the end.
fn next_record<R: Read>(
    reader: &mut csv::Reader<QuoteWatch<R>>,
    record: &mut csv::ByteRecord,
    origin: &str,
) -> Result<Option<usize>, Vec<String>> {
    loop {
        let more = reader
            .read_byte_record(record)
            .map_err(|e| vec![format!("{origin}: cannot read the ratings file: {e}")])?;
        if !more {
            return Ok(None);
        }
        if !is_blank(record) {
            return Ok(Some(record.position().map_or(0, |p| p.line() as usize)));
        }
    }
}

/// Reads a CSV table. `header_line` is the file's first line (or what the buffer holds of it),
/// to choose the delimiter: tab when it has tabs and no commas.
pub(super) fn read_csv<R: Read>(input: R, header_line: &[u8], origin: &str) -> Result<RawTable, Vec<String>> {
    let delim = if header_line.contains(&b'\t') && !header_line.contains(&b',') { b'\t' } else { b',' };
    let watch = QuoteWatch {
        inner: input,
        delim,
        in_quote: false,
        quote_at_end: false,
        prev: 0,
        line: 1,
        open_line: 0,
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delim)
        .buffer_capacity(256 * 1024)
        .from_reader(watch);
    let mut record = csv::ByteRecord::new();
    let unclosed = |reader: &csv::Reader<QuoteWatch<R>>| {
        reader
            .get_ref()
            .unclosed()
            .map(|line| vec![format!("{origin}:{line}: a quoted cell is not closed (missing '\"')")])
    };
    let Some(header_line_no) = next_record(&mut reader, &mut record, origin)? else {
        return Err(vec![format!("{origin}: the file has no header row of rater names")]);
    };
    check_utf8(&record, header_line_no).map_err(|at| not_utf8(origin, at))?;
    let mut errors = Vec::new();
    let names: Vec<(String, usize)> = (0..record.len())
        .map(|k| (String::from_utf8_lossy(&record[k]).trim().to_string(), column_of(&record, k)))
        .collect();
    let has_item_column = names.first().is_some_and(|(n, _)| n.eq_ignore_ascii_case("item"));
    let rater_cols = if has_item_column { &names[1..] } else { &names[..] };
    if rater_cols.is_empty() {
        errors.push(format!("{origin}:{header_line_no}: the header names no rater (one column per rater)"));
    }
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for (name, col) in rater_cols {
        if name.is_empty() {
            errors.push(format!(
                "{origin}:{header_line_no}:{col}: empty rater name in the header; name every column"
            ));
        } else if let Some(first) = seen.insert(name.as_str(), *col) {
            errors.push(format!(
                "{origin}:{header_line_no}:{col}: rater {name:?} is named twice (first at column {first}); rater names must be unique"
            ));
        }
    }
    let first_rater = usize::from(has_item_column);
    let n_raters = rater_cols.len();
    let mut columns: Vec<Column> = (0..n_raters).map(|_| Column::new()).collect();
    let mut interner = Interner::default();
    let mut raw_cells = RawCells::default();
    let mut items = has_item_column.then(Vec::new);
    let mut item_lines: HashMap<String, usize> = HashMap::new();
    let mut n_items = 0;
    while let Some(line) = next_record(&mut reader, &mut record, origin)? {
        if record.len() != names.len() {
            check_utf8(&record, line).map_err(|at| not_utf8(origin, at))?;
            errors.push(format!(
                "{origin}:{line}: {} cells, but the header has {} columns",
                record.len(),
                names.len()
            ));
            continue;
        }
        if let Some(items) = items.as_mut() {
            let id = std::str::from_utf8(&record[0]).map_err(|e| {
                let before = String::from_utf8_lossy(&record[0][..e.valid_up_to()]).chars().count();
                not_utf8(origin, (line, 1 + before))
            })?;
            let id = id.trim().to_string();
            if id.is_empty() {
                errors.push(format!("{origin}:{line}:1: empty item id"));
            } else if let Some(first) = item_lines.insert(id.clone(), line) {
                errors.push(format!("{origin}:{line}:1: item {id:?} appears twice (first on line {first})"));
            }
            items.push(id);
        }
        for (k, column) in columns.iter_mut().enumerate() {
            let raw = &record[first_rater + k];
            let id = match raw_cells.get(raw) {
                Some(id) => id,
                None => {
                    let text = std::str::from_utf8(raw).map_err(|e| {
                        let before = String::from_utf8_lossy(&raw[..e.valid_up_to()]).chars().count();
                        not_utf8(origin, (line, column_of(&record, first_rater + k) + before))
                    })?;
                    let v = text.trim();
                    let id = if v.is_empty() {
                        NO_VALUE
                    } else {
                        interner.intern_text(v, || (line, column_of(&record, first_rater + k)))
                    };
                    raw_cells.insert(raw, id);
                    id
                }
            };
            column.push(id);
        }
        n_items += 1;
    }
    if let Some(e) = unclosed(&reader) {
        return Err(e);
    }
    if !errors.is_empty() {
        return Err(finish_errors(errors, origin));
    }
    Ok(RawTable {
        raters: rater_cols.iter().map(|(n, _)| n.clone()).collect(),
        items,
        n_items,
        columns,
        interner,
        categories: None,
        level: None,
    })
}
