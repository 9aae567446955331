//! A CSV ratings table: a header row naming the raters, one row per item, an empty cell for a
//! missing rating, an optional first column `item`. Read with the `csv` crate, record by record,
//! straight into one value id per cell.
//!
//! Cells are looked up by their raw bytes first: a table of a million rows usually holds a
//! handful of distinct cells ("1", "", " 2"…), so almost every cell costs one table look-up, and
//! only a cell never seen before is checked as UTF-8, trimmed and interned.

use super::plain_lines::{Line, PlainLines};
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
    let cannot_read = |e: std::io::Error| vec![format!("{origin}: cannot read the ratings file: {e}")];
    let mut table = Builder::new(origin);
    let mut record = csv::ByteRecord::new();
    let mut lines = PlainLines::new(input);
    let mut ends = Vec::new();
    let mut ids = Vec::new();
    loop {
        match lines.next_line(delim, &mut ends).map_err(cannot_read)? {
            Line::End => return table.finish(),
            Line::NotPlain => break,
            Line::Plain(line, number) => {
                let cell = |k: usize| &line[if k == 0 { 0 } else { ends[k - 1] + 1 }..ends[k]];
                // A one-cell line may be blank: the general path tells.
                if ends.len() > 1 && table.plain_row(&ends, cell, &mut ids) {
                    continue;
                }
                record.clear();
                for k in 0..ends.len() {
                    record.push_field(cell(k));
                }
                if !is_blank(&record) {
                    table.record(&record, number)?;
                }
            }
        }
    }
    let (rest, lines_before) = lines.rest();
    let watch = QuoteWatch {
        inner: rest,
        delim,
        in_quote: false,
        quote_at_end: false,
        prev: 0,
        line: lines_before + 1,
        open_line: 0,
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delim)
        .buffer_capacity(256 * 1024)
        .from_reader(watch);
    while let Some(line) = next_record(&mut reader, &mut record, origin)? {
        table.record(&record, lines_before + line)?;
    }
    if let Some(line) = reader.get_ref().unclosed() {
        return Err(vec![format!("{origin}:{line}: a quoted cell is not closed (missing '\"')")]);
    }
    table.finish()
}

/// The table being built, record by record.
struct Builder<'o> {
    origin: &'o str,
    /// The header's names and columns, once read.
    names: Option<Vec<(String, usize)>>,
    has_item_column: bool,
    errors: Vec<String>,
    columns: Vec<Column>,
    interner: Interner,
    raw_cells: RawCells,
    items: Option<Vec<String>>,
    item_lines: HashMap<String, usize>,
    n_items: usize,
}

impl<'o> Builder<'o> {
    fn new(origin: &'o str) -> Builder<'o> {
        Builder {
            origin,
            names: None,
            has_item_column: false,
            errors: Vec::new(),
            columns: Vec::new(),
            interner: Interner::default(),
            raw_cells: RawCells::default(),
            items: None,
            item_lines: HashMap::new(),
            n_items: 0,
        }
    }

    /// The common row, taken without building a record: past the header, no item column, as
    /// many cells as the header and each cell seen before. False when the row is not such.
    #[inline]
    fn plain_row<'a>(
        &mut self,
        ends: &[usize],
        cell: impl Fn(usize) -> &'a [u8],
        ids: &mut Vec<u32>,
    ) -> bool {
        match &self.names {
            Some(names) if !self.has_item_column && names.len() == ends.len() => {}
            _ => return false,
        }
        ids.clear();
        for k in 0..ends.len() {
            match self.raw_cells.get(cell(k)) {
                Some(id) => ids.push(id),
                None => return false,
            }
        }
        for (column, &id) in self.columns.iter_mut().zip(ids.iter()) {
            column.push(id);
        }
        self.n_items += 1;
        true
    }

    /// A non-blank record on line `line`: the header, then the rows.
    fn record(&mut self, record: &csv::ByteRecord, line: usize) -> Result<(), Vec<String>> {
        if self.names.is_none() { self.header(record, line) } else { self.row(record, line) }
    }

    fn header(&mut self, record: &csv::ByteRecord, header_line_no: usize) -> Result<(), Vec<String>> {
        let origin = self.origin;
        check_utf8(record, header_line_no).map_err(|at| not_utf8(origin, at))?;
        let names: Vec<(String, usize)> = (0..record.len())
            .map(|k| (String::from_utf8_lossy(&record[k]).trim().to_string(), column_of(record, k)))
            .collect();
        let has_item_column = names.first().is_some_and(|(n, _)| n.eq_ignore_ascii_case("item"));
        let rater_cols = if has_item_column { &names[1..] } else { &names[..] };
        if rater_cols.is_empty() {
            self.errors
                .push(format!("{origin}:{header_line_no}: the header names no rater (one column per rater)"));
        }
        let mut seen: HashMap<&str, usize> = HashMap::new();
        for (name, col) in rater_cols {
            if name.is_empty() {
                self.errors.push(format!(
                    "{origin}:{header_line_no}:{col}: empty rater name in the header; name every column"
                ));
            } else if let Some(first) = seen.insert(name.as_str(), *col) {
                self.errors.push(format!(
                    "{origin}:{header_line_no}:{col}: rater {name:?} is named twice (first at column {first}); rater names must be unique"
                ));
            }
        }
        self.columns = (0..rater_cols.len()).map(|_| Column::new()).collect();
        self.has_item_column = has_item_column;
        self.items = has_item_column.then(Vec::new);
        self.names = Some(names);
        Ok(())
    }

    fn row(&mut self, record: &csv::ByteRecord, line: usize) -> Result<(), Vec<String>> {
        let origin = self.origin;
        let n_columns = self.names.as_ref().map_or(0, Vec::len);
        if record.len() != n_columns {
            check_utf8(record, line).map_err(|at| not_utf8(origin, at))?;
            self.errors.push(format!(
                "{origin}:{line}: {} cells, but the header has {} columns",
                record.len(),
                n_columns
            ));
            return Ok(());
        }
        if let Some(items) = self.items.as_mut() {
            let id = std::str::from_utf8(&record[0]).map_err(|e| {
                let before = String::from_utf8_lossy(&record[0][..e.valid_up_to()]).chars().count();
                not_utf8(origin, (line, 1 + before))
            })?;
            let id = id.trim().to_string();
            if id.is_empty() {
                self.errors.push(format!("{origin}:{line}:1: empty item id"));
            } else if let Some(first) = self.item_lines.insert(id.clone(), line) {
                self.errors
                    .push(format!("{origin}:{line}:1: item {id:?} appears twice (first on line {first})"));
            }
            items.push(id);
        }
        let first_rater = usize::from(self.has_item_column);
        for (k, column) in self.columns.iter_mut().enumerate() {
            let raw = &record[first_rater + k];
            let id = match self.raw_cells.get(raw) {
                Some(id) => id,
                None => {
                    let text = std::str::from_utf8(raw).map_err(|e| {
                        let before = String::from_utf8_lossy(&raw[..e.valid_up_to()]).chars().count();
                        not_utf8(origin, (line, column_of(record, first_rater + k) + before))
                    })?;
                    let v = text.trim();
                    let id = if v.is_empty() {
                        NO_VALUE
                    } else {
                        self.interner.intern_text(v, || (line, column_of(record, first_rater + k)))
                    };
                    self.raw_cells.insert(raw, id);
                    id
                }
            };
            column.push(id);
        }
        self.n_items += 1;
        Ok(())
    }

    fn finish(self) -> Result<RawTable, Vec<String>> {
        let origin = self.origin;
        let Some(names) = self.names else {
            return Err(vec![format!("{origin}: the file has no header row of rater names")]);
        };
        if !self.errors.is_empty() {
            return Err(finish_errors(self.errors, origin));
        }
        let first_rater = usize::from(self.has_item_column);
        Ok(RawTable {
            raters: names[first_rater..].iter().map(|(n, _)| n.clone()).collect(),
            items: self.items,
            n_items: self.n_items,
            columns: self.columns,
            interner: self.interner,
            categories: None,
            level: None,
        })
    }
}
