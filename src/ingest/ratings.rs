//! `--ratings` files: a plain ratings table, without a session (docs/agreement.md, "`--ratings` files").
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
//! Values are interned while reading (one small integer per cell), so a 10 × 1,000,000 table
//! does not hold ten million strings. Pure: parses bytes, reports `FILE:LINE[:COLUMN]: message`.

use crate::agreement::matrix::{MAX_CATEGORIES, MISSING, RatingMatrix};
use crate::schema::Level;
use serde_json::Value;
use std::collections::HashMap;

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

/// At most this many errors are listed; then a count.
const MAX_ERRORS: usize = 50;

/// Parses a CSV or JSON ratings table. `categories` is `--categories`, when given.
pub fn parse_ratings(
    bytes: &[u8],
    origin: &str,
    categories: Option<&[String]>,
) -> Result<RatingsTable, Vec<String>> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = std::str::from_utf8(bytes).map_err(|e| {
        let (line, col) = line_col(bytes, e.valid_up_to());
        vec![format!("{origin}:{line}:{col}: the file is not valid UTF-8")]
    })?;
    let first = text.trim_start().chars().next();
    let raw = match first {
        None => {
            return Err(vec![format!(
                "{origin}: the file is empty; give a CSV with a header row of rater names, or a JSON object with \"ratings\""
            )]);
        }
        Some('{') => parse_json(text, origin)?,
        Some('[') => {
            return Err(vec![format!(
                "{origin}:1: a JSON ratings file is an object {{\"categories\": [...], \"ratings\": [[...], ...]}}, not a bare array"
            )]);
        }
        Some(_) => parse_csv(text, origin)?,
    };
    resolve(raw, origin, categories)
}

fn line_col(bytes: &[u8], offset: usize) -> (usize, usize) {
    let before = &bytes[..offset.min(bytes.len())];
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let line_start = before.iter().rposition(|&b| b == b'\n').map_or(0, |p| p + 1);
    let col = String::from_utf8_lossy(&before[line_start..]).chars().count() + 1;
    (line, col)
}

/// A distinct value as read, before it is mapped onto the category scale.
#[derive(Debug, Clone, PartialEq)]
struct Distinct {
    /// As written (a JSON string's content, a number's literal, a CSV cell trimmed).
    text: String,
    num: Option<f64>,
    /// The JSON value to show as a label when this value becomes a category.
    label: Value,
    line: usize,
    col: usize,
    occurrences: u64,
}

/// Distinct values in order of first appearance; a cell holds the value's index.
#[derive(Default)]
struct Interner {
    /// The first few text values, checked by plain comparison before hashing: rating tables
    /// usually hold a handful of distinct values, and comparing "1" is cheaper than hashing it.
    few_texts: Vec<(String, u32)>,
    texts: HashMap<String, u32>,
    numbers: HashMap<u64, u32>,
    distinct: Vec<Distinct>,
}

impl Interner {
    /// `at` gives (line, column) and is only called for a value not seen before.
    fn intern_text(&mut self, text: &str, at: impl FnOnce() -> (usize, usize)) -> u32 {
        const FEW: usize = 8;
        let known = match self.few_texts.iter().find(|(t, _)| t == text) {
            Some(&(_, id)) => Some(id),
            None if self.texts.len() < FEW => None,
            None => self.texts.get(text).copied(),
        };
        let id = match known {
            Some(id) => id,
            None => {
                let id = self.distinct.len() as u32;
                let (line, col) = at();
                self.texts.insert(text.to_string(), id);
                if self.few_texts.len() < FEW {
                    self.few_texts.push((text.to_string(), id));
                }
                self.distinct.push(Distinct {
                    text: text.to_string(),
                    num: parse_number(text),
                    label: Value::String(text.to_string()),
                    line,
                    col,
                    occurrences: 0,
                });
                id
            }
        };
        self.distinct[id as usize].occurrences += 1;
        id
    }

    fn intern_number(&mut self, literal: &str, x: f64, line: usize, col: usize) -> u32 {
        let x = if x == 0.0 { 0.0 } else { x };
        let id = match self.numbers.get(&x.to_bits()) {
            Some(&id) => id,
            None => {
                let id = self.distinct.len() as u32;
                self.numbers.insert(x.to_bits(), id);
                self.distinct.push(Distinct {
                    text: literal.to_string(),
                    num: Some(x),
                    label: number_label(x),
                    line,
                    col,
                    occurrences: 0,
                });
                id
            }
        };
        self.distinct[id as usize].occurrences += 1;
        id
    }
}

fn parse_number(s: &str) -> Option<f64> {
    let t = s.trim();
    // Only plain decimal numbers: not "inf", "NaN" or hex.
    let plain = !t.is_empty()
        && t.bytes().all(|b| b.is_ascii_digit() || matches!(b, b'-' | b'+' | b'.' | b'e' | b'E'))
        && t.bytes().any(|b| b.is_ascii_digit());
    if !plain {
        return None;
    }
    t.parse::<f64>().ok().filter(|x| x.is_finite())
}

fn number_label(x: f64) -> Value {
    if x.fract() == 0.0 && x.abs() < 9.0e15 {
        Value::from(x as i64)
    } else {
        serde_json::Number::from_f64(x).map(Value::Number).unwrap_or(Value::Null)
    }
}

const NO_VALUE: u32 = u32::MAX;

/// The table as read: interned value ids per cell.
struct RawTable {
    raters: Vec<String>,
    items: Option<Vec<String>>,
    n_items: usize,
    cells: Vec<u32>,
    /// CSV cells arrive item by item, JSON cells rater by rater; the matrix is rater-major.
    item_major: bool,
    interner: Interner,
    /// JSON `categories`, with their positions.
    categories: Option<Vec<(Value, usize, usize)>>,
    level: Option<Level>,
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

// ---------------------------------------------------------------------------------------------
// CSV

/// One cell of the current record: `buf[start..end]` is its text; `offset` is where it starts
/// in the file (for the column in error messages).
#[derive(Debug, Clone, Copy)]
struct CellSpan {
    start: usize,
    end: usize,
    offset: usize,
    line_start: usize,
}

/// Reads RFC 4180 CSV one record at a time (quoted fields may hold the delimiter, quotes and
/// newlines) into a reused buffer, so a million rows cost no allocation per cell.
struct CsvReader<'a> {
    text: &'a str,
    pos: usize,
    line: usize,
    line_start: usize,
    delim: u8,
}

impl<'a> CsvReader<'a> {
    fn col(&self, offset: usize, line_start: usize) -> usize {
        self.text[line_start..offset].chars().count() + 1
    }

    /// The next non-blank record's line, with its cells in `buf`/`cells`; `None` at the end.
    fn next_record(
        &mut self,
        buf: &mut String,
        cells: &mut Vec<CellSpan>,
        origin: &str,
    ) -> Result<Option<usize>, String> {
        let b = self.text.as_bytes();
        loop {
            if self.pos >= b.len() {
                return Ok(None);
            }
            buf.clear();
            cells.clear();
            let record_line = self.line;
            let mut cell = CellSpan { start: 0, end: 0, offset: self.pos, line_start: self.line_start };
            loop {
                // One cell: optional leading blanks, then a quoted part or plain text.
                let mut i = self.pos;
                while i < b.len() && (b[i] == b' ' || b[i] == b'\t') && b[i] != self.delim {
                    i += 1;
                }
                if i < b.len() && b[i] == b'"' {
                    let open_line = self.line;
                    i += 1;
                    loop {
                        let run = i;
                        while i < b.len() && b[i] != b'"' && b[i] != b'\n' {
                            i += 1;
                        }
                        buf.push_str(&self.text[run..i]);
                        match b.get(i) {
                            None => {
                                return Err(format!(
                                    "{origin}:{open_line}: a quoted cell is not closed (missing '\"')"
                                ));
                            }
                            Some(b'\n') => {
                                buf.push('\n');
                                i += 1;
                                self.line += 1;
                                self.line_start = i;
                            }
                            Some(_) if b.get(i + 1) == Some(&b'"') => {
                                buf.push('"');
                                i += 2;
                            }
                            Some(_) => {
                                i += 1;
                                break;
                            }
                        }
                    }
                }
                // Plain text (or what follows a closing quote) up to the delimiter or line end.
                let run = i;
                while i < b.len() && b[i] != self.delim && b[i] != b'\n' {
                    i += 1;
                }
                let mut plain_end = i;
                if plain_end > run && b[plain_end - 1] == b'\r' && (i == b.len() || b[i] == b'\n') {
                    plain_end -= 1;
                }
                buf.push_str(&self.text[run..plain_end]);
                cell.end = buf.len();
                cells.push(cell);
                self.pos = i;
                match b.get(i) {
                    Some(&d) if d == self.delim => {
                        self.pos = i + 1;
                        cell = CellSpan {
                            start: buf.len(),
                            end: buf.len(),
                            offset: self.pos,
                            line_start: self.line_start,
                        };
                    }
                    Some(_) => {
                        self.pos = i + 1;
                        self.line += 1;
                        self.line_start = self.pos;
                        break;
                    }
                    None => break,
                }
            }
            let blank = cells.len() == 1 && buf.trim().is_empty();
            if !blank {
                return Ok(Some(record_line));
            }
        }
    }
}

fn parse_csv(text: &str, origin: &str) -> Result<RawTable, Vec<String>> {
    let header_line = text.lines().next().unwrap_or("");
    let delim = if header_line.contains('\t') && !header_line.contains(',') { b'\t' } else { b',' };
    let mut reader = CsvReader { text, pos: 0, line: 1, line_start: 0, delim };
    let mut buf = String::new();
    let mut spans = Vec::new();
    let one = |e: String| vec![e];
    let Some(header_line_no) = reader.next_record(&mut buf, &mut spans, origin).map_err(one)? else {
        return Err(vec![format!("{origin}: the file has no header row of rater names")]);
    };
    let mut errors = Vec::new();
    let names: Vec<(String, usize)> = spans
        .iter()
        .map(|c| (buf[c.start..c.end].trim().to_string(), reader.col(c.offset, c.line_start)))
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
    // Item-major while reading (rows arrive one item at a time); transposed at the end.
    let mut by_item: Vec<u32> = Vec::new();
    let mut interner = Interner::default();
    let mut items = has_item_column.then(Vec::new);
    let mut item_lines: HashMap<String, usize> = HashMap::new();
    let mut n_items = 0;
    while let Some(line) = reader.next_record(&mut buf, &mut spans, origin).map_err(one)? {
        if spans.len() != names.len() {
            errors.push(format!(
                "{origin}:{line}: {} cells, but the header has {} columns",
                spans.len(),
                names.len()
            ));
            continue;
        }
        if let Some(items) = items.as_mut() {
            let id = buf[spans[0].start..spans[0].end].trim().to_string();
            if id.is_empty() {
                errors.push(format!("{origin}:{line}:1: empty item id"));
            } else if let Some(first) = item_lines.insert(id.clone(), line) {
                errors.push(format!("{origin}:{line}:1: item {id:?} appears twice (first on line {first})"));
            }
            items.push(id);
        }
        for c in &spans[first_rater..] {
            let v = buf[c.start..c.end].trim();
            by_item.push(if v.is_empty() {
                NO_VALUE
            } else {
                interner.intern_text(v, || (line, reader.col(c.offset, c.line_start)))
            });
        }
        n_items += 1;
    }
    if !errors.is_empty() {
        return Err(finish_errors(errors, origin));
    }
    Ok(RawTable {
        raters: rater_cols.iter().map(|(n, _)| n.clone()).collect(),
        items,
        n_items,
        cells: by_item,
        item_major: true,
        interner,
        categories: None,
        level: None,
    })
}

// ---------------------------------------------------------------------------------------------
// JSON: a small streaming reader that knows where it is (serde_json's Value does not keep
// positions, and a ratings array may hold millions of values).

struct Cursor<'a> {
    s: &'a [u8],
    pos: usize,
    line: usize,
    line_start: usize,
    origin: &'a str,
}

#[derive(Debug)]
enum Scalar {
    Null,
    Bool(bool),
    Num(String, f64),
    Str(String),
}

impl<'a> Cursor<'a> {
    fn col(&self) -> usize {
        String::from_utf8_lossy(&self.s[self.line_start..self.pos]).chars().count() + 1
    }

    fn here(&self) -> (usize, usize) {
        (self.line, self.col())
    }

    fn err(&self, msg: impl std::fmt::Display) -> String {
        let (line, col) = self.here();
        format!("{}:{line}:{col}: {msg}", self.origin)
    }

    fn ws(&mut self) {
        while let Some(&b) = self.s.get(self.pos) {
            match b {
                b'\n' => {
                    self.pos += 1;
                    self.line += 1;
                    self.line_start = self.pos;
                }
                b' ' | b'\t' | b'\r' => self.pos += 1,
                _ => break,
            }
        }
    }

    fn peek(&mut self) -> Option<u8> {
        self.ws();
        self.s.get(self.pos).copied()
    }

    fn expect(&mut self, b: u8, what: &str) -> Result<(), String> {
        match self.peek() {
            Some(c) if c == b => {
                self.pos += 1;
                Ok(())
            }
            Some(c) => Err(self.err(format!("expected {what}, found '{}'", c as char))),
            None => Err(self.err(format!("expected {what}, found the end of the file"))),
        }
    }

    /// After a value in an array or object: `true` when another element follows.
    fn more(&mut self, close: u8) -> Result<bool, String> {
        match self.peek() {
            Some(b',') => {
                self.pos += 1;
                Ok(true)
            }
            Some(c) if c == close => {
                self.pos += 1;
                Ok(false)
            }
            _ => Err(self.err(format!("expected ',' or '{}'", close as char))),
        }
    }

    fn string(&mut self) -> Result<String, String> {
        self.expect(b'"', "a string")?;
        let mut out = String::new();
        loop {
            let start = self.pos;
            while let Some(&b) = self.s.get(self.pos) {
                if b == b'"' || b == b'\\' || b < 0x20 {
                    break;
                }
                self.pos += 1;
            }
            out.push_str(std::str::from_utf8(&self.s[start..self.pos]).expect("input is UTF-8"));
            match self.s.get(self.pos) {
                Some(b'"') => {
                    self.pos += 1;
                    return Ok(out);
                }
                Some(b'\\') => {
                    self.pos += 1;
                    let e = self.s.get(self.pos).copied();
                    self.pos += 1;
                    match e {
                        Some(b'"') => out.push('"'),
                        Some(b'\\') => out.push('\\'),
                        Some(b'/') => out.push('/'),
                        Some(b'b') => out.push('\u{8}'),
                        Some(b'f') => out.push('\u{c}'),
                        Some(b'n') => out.push('\n'),
                        Some(b'r') => out.push('\r'),
                        Some(b't') => out.push('\t'),
                        Some(b'u') => {
                            let hi = self.hex4()?;
                            let c = if (0xD800..0xDC00).contains(&hi) {
                                if self.s.get(self.pos..self.pos + 2) != Some(b"\\u") {
                                    return Err(self.err("unpaired surrogate in \\u escape"));
                                }
                                self.pos += 2;
                                let lo = self.hex4()?;
                                if !(0xDC00..0xE000).contains(&lo) {
                                    return Err(self.err("unpaired surrogate in \\u escape"));
                                }
                                char::from_u32(0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00))
                            } else {
                                char::from_u32(hi)
                            };
                            out.push(c.ok_or_else(|| self.err("invalid \\u escape"))?);
                        }
                        _ => return Err(self.err("invalid escape in a string")),
                    }
                }
                Some(_) => return Err(self.err("control character in a string (escape it)")),
                None => return Err(self.err("a string is not closed")),
            }
        }
    }

    fn hex4(&mut self) -> Result<u32, String> {
        let h = self.s.get(self.pos..self.pos + 4).and_then(|h| std::str::from_utf8(h).ok());
        let v =
            h.and_then(|h| u32::from_str_radix(h, 16).ok()).ok_or_else(|| self.err("invalid \\u escape"))?;
        self.pos += 4;
        Ok(v)
    }

    fn number(&mut self) -> Result<(String, f64), String> {
        let start = self.pos;
        while let Some(&b) = self.s.get(self.pos) {
            if b.is_ascii_digit() || matches!(b, b'-' | b'+' | b'.' | b'e' | b'E') {
                self.pos += 1;
            } else {
                break;
            }
        }
        let lit = std::str::from_utf8(&self.s[start..self.pos]).expect("ASCII");
        let valid_json = {
            let t = lit.strip_prefix('-').unwrap_or(lit);
            t.starts_with(|c: char| c.is_ascii_digit())
                && !(t.len() > 1 && t.starts_with('0') && t.as_bytes()[1].is_ascii_digit())
        };
        match lit.parse::<f64>() {
            Ok(x) if valid_json && x.is_finite() => Ok((lit.to_string(), x)),
            _ => {
                self.pos = start;
                Err(self.err(format!("invalid number {lit:?}")))
            }
        }
    }

    fn literal(&mut self, word: &[u8]) -> Result<(), String> {
        if self.s.get(self.pos..self.pos + word.len()) == Some(word) {
            self.pos += word.len();
            Ok(())
        } else {
            Err(self.err("expected a JSON value"))
        }
    }

    /// A scalar (null, boolean, number or string); `None` when the next value is an array or
    /// object (left unread).
    fn scalar(&mut self) -> Result<Option<Scalar>, String> {
        match self.peek() {
            Some(b'n') => self.literal(b"null").map(|_| Some(Scalar::Null)),
            Some(b't') => self.literal(b"true").map(|_| Some(Scalar::Bool(true))),
            Some(b'f') => self.literal(b"false").map(|_| Some(Scalar::Bool(false))),
            Some(b'"') => self.string().map(|s| Some(Scalar::Str(s))),
            Some(b'-' | b'0'..=b'9') => self.number().map(|(l, x)| Some(Scalar::Num(l, x))),
            Some(b'[' | b'{') => Ok(None),
            Some(_) => Err(self.err("expected a JSON value")),
            None => Err(self.err("expected a JSON value, found the end of the file")),
        }
    }

    /// Reads and discards any value.
    fn skip(&mut self) -> Result<(), String> {
        match self.peek() {
            Some(b'[') => {
                self.pos += 1;
                if self.peek() == Some(b']') {
                    self.pos += 1;
                    return Ok(());
                }
                loop {
                    self.skip()?;
                    if !self.more(b']')? {
                        return Ok(());
                    }
                }
            }
            Some(b'{') => {
                self.pos += 1;
                if self.peek() == Some(b'}') {
                    self.pos += 1;
                    return Ok(());
                }
                loop {
                    self.string()?;
                    self.expect(b':', "':'")?;
                    self.skip()?;
                    if !self.more(b'}')? {
                        return Ok(());
                    }
                }
            }
            _ => self.scalar().map(|_| ()),
        }
    }

    /// Calls `f` on each element of an array (the cursor is at the element).
    fn array(
        &mut self,
        what: &str,
        mut f: impl FnMut(&mut Self) -> Result<(), String>,
    ) -> Result<(), String> {
        self.expect(b'[', what)?;
        if self.peek() == Some(b']') {
            self.pos += 1;
            return Ok(());
        }
        loop {
            f(self)?;
            if !self.more(b']')? {
                return Ok(());
            }
        }
    }
}

fn parse_json(text: &str, origin: &str) -> Result<RawTable, Vec<String>> {
    let mut cur = Cursor { s: text.as_bytes(), pos: 0, line: 1, line_start: 0, origin };
    let mut interner = Interner::default();
    // One Vec of ids per rater row while reading; rows are checked for equal length after.
    let mut rows: Vec<(Vec<u32>, usize)> = Vec::new();
    let mut categories: Option<Vec<(Value, usize, usize)>> = None;
    let mut raters: Option<(Vec<String>, usize)> = None;
    let mut items: Option<(Vec<String>, usize)> = None;
    let mut level: Option<Level> = None;
    let mut saw_ratings = false;
    let mut errors: Vec<String> = Vec::new();

    let result = (|| -> Result<(), String> {
        cur.expect(b'{', "'{'")?;
        if cur.peek() == Some(b'}') {
            cur.pos += 1;
        } else {
            loop {
                let key = cur.string()?;
                cur.expect(b':', "':'")?;
                cur.ws();
                let (line, _) = cur.here();
                match key.as_str() {
                    "ratings" => {
                        saw_ratings = true;
                        cur.array("'[' (the ratings: one array per rater)", |c| {
                            c.ws();
                            let row_line = c.line;
                            let mut row = Vec::new();
                            c.array("'[' (one rater's ratings, one value per item)", |c| {
                                c.ws();
                                let (l, col) = c.here();
                                let id = match c.scalar()? {
                                    Some(Scalar::Null) => NO_VALUE,
                                    Some(Scalar::Num(lit, x)) => interner.intern_number(&lit, x, l, col),
                                    Some(Scalar::Str(s)) => {
                                        if s.trim().is_empty() {
                                            return Err(c.err(
                                                "an empty string is not a rating; use null for a missing one",
                                            ));
                                        }
                                        interner.intern_text(&s, || (l, col))
                                    }
                                    Some(Scalar::Bool(b)) => {
                                        interner.intern_text(if b { "true" } else { "false" }, || (l, col))
                                    }
                                    None => return Err(c.err(
                                        "a rating must be a number, a string or null, not an array or object",
                                    )),
                                };
                                row.push(id);
                                Ok(())
                            })?;
                            rows.push((row, row_line));
                            Ok(())
                        })?;
                    }
                    "categories" => {
                        let mut list = Vec::new();
                        cur.array("'[' (the category list)", |c| {
                            c.ws();
                            let (l, col) = c.here();
                            let v = match c.scalar()? {
                                Some(Scalar::Num(_, x)) => number_label(x),
                                Some(Scalar::Str(s)) => Value::String(s),
                                Some(Scalar::Bool(b)) => Value::String(b.to_string()),
                                _ => return Err(c.err("a category must be a number or a string")),
                            };
                            list.push((v, l, col));
                            Ok(())
                        })?;
                        categories = Some(list);
                    }
                    "raters" | "items" => {
                        let mut list = Vec::new();
                        cur.array("'[' (a list of names)", |c| {
                            let v = match c.scalar()? {
                                Some(Scalar::Str(s)) => s,
                                Some(Scalar::Num(lit, _)) => lit,
                                _ => return Err(c.err(format!("each of \"{key}\" must be a string"))),
                            };
                            list.push(v);
                            Ok(())
                        })?;
                        if key == "raters" {
                            raters = Some((list, line));
                        } else {
                            items = Some((list, line));
                        }
                    }
                    "level" => {
                        let at = cur.here();
                        let s = cur.string()?;
                        level = match s.as_str() {
                            "nominal" => Some(Level::Nominal),
                            "ordinal" => Some(Level::Ordinal),
                            "interval" => Some(Level::Interval),
                            "ratio" => Some(Level::Ratio),
                            _ => {
                                errors.push(format!(
                                    "{origin}:{}:{}: level {s:?} is not one of nominal, ordinal, interval, ratio",
                                    at.0, at.1
                                ));
                                None
                            }
                        };
                    }
                    _ => cur.skip()?,
                }
                if !cur.more(b'}')? {
                    break;
                }
            }
        }
        if cur.peek().is_some() {
            return Err(cur.err("unexpected text after the JSON object"));
        }
        Ok(())
    })();
    if let Err(e) = result {
        return Err(vec![e]);
    }
    if !saw_ratings {
        errors.push(format!("{origin}: no \"ratings\" key; expected {{\"categories\": [...], \"ratings\": [[rater 0's value per item], ...]}}"));
    }
    let n_items = rows.first().map_or(0, |(r, _)| r.len());
    for (r, (row, line)) in rows.iter().enumerate() {
        if row.len() != n_items {
            errors.push(format!(
                "{origin}:{line}: rater {} has {} ratings, but rater 1 has {n_items}; every rater row needs one value (or null) per item",
                r + 1,
                row.len()
            ));
        }
    }
    let names = match raters {
        Some((names, line)) => {
            if names.len() != rows.len() {
                errors.push(format!(
                    "{origin}:{line}: \"raters\" names {} raters, but \"ratings\" has {} rows",
                    names.len(),
                    rows.len()
                ));
            }
            let mut seen = HashMap::new();
            for n in &names {
                if seen.insert(n.as_str(), ()).is_some() {
                    errors.push(format!("{origin}:{line}: rater {n:?} is named twice in \"raters\""));
                }
            }
            names
        }
        None => (1..=rows.len()).map(|r| format!("rater{r}")).collect(),
    };
    let items = match items {
        Some((ids, line)) => {
            if ids.len() != n_items {
                errors.push(format!(
                    "{origin}:{line}: \"items\" names {} items, but each rater row has {n_items}",
                    ids.len()
                ));
            }
            Some(ids)
        }
        None => None,
    };
    if !errors.is_empty() {
        return Err(finish_errors(errors, origin));
    }
    let mut cells = Vec::with_capacity(rows.len() * n_items);
    for (row, _) in rows {
        cells.extend_from_slice(&row);
    }
    Ok(RawTable { raters: names, items, n_items, cells, item_major: false, interner, categories, level })
}

// ---------------------------------------------------------------------------------------------
// Categories

struct Declared {
    label: Value,
    text: String,
    num: Option<f64>,
}

fn declared_from_value(v: &Value) -> Declared {
    match v {
        Value::Number(n) => {
            let x = n.as_f64().unwrap_or(0.0);
            Declared { label: number_label(x), text: n.to_string(), num: Some(x) }
        }
        Value::String(s) => Declared { label: v.clone(), text: s.clone(), num: parse_number(s) },
        other => Declared { label: other.clone(), text: other.to_string(), num: None },
    }
}

fn matches(d: &Declared, v: &Distinct) -> bool {
    match (d.num, v.num) {
        (Some(a), Some(b)) => a == b,
        _ => d.text == v.text,
    }
}

/// Maps the interned values onto the category scale and builds the matrix.
fn resolve(raw: RawTable, origin: &str, flag: Option<&[String]>) -> Result<RatingsTable, Vec<String>> {
    let distinct = &raw.interner.distinct;
    let mut errors = Vec::new();
    let declared: Option<(Vec<Declared>, &str)> = if let Some(list) = flag {
        let all_numeric = list.iter().all(|s| parse_number(s).is_some());
        let decl: Vec<Declared> = list
            .iter()
            .map(|s| {
                let s = s.trim();
                let num = parse_number(s);
                let label = match num {
                    Some(x) if all_numeric => number_label(x),
                    _ => Value::String(s.to_string()),
                };
                Declared { label, text: s.to_string(), num }
            })
            .collect();
        Some((decl, "--categories"))
    } else {
        raw.categories
            .as_ref()
            .map(|list| (list.iter().map(|(v, _, _)| declared_from_value(v)).collect(), "\"categories\""))
    };

    // id of each distinct value -> category code
    let mut code_of = vec![MISSING; distinct.len()];
    let (labels, values) = match declared {
        Some((decl, source)) => {
            for (i, a) in decl.iter().enumerate() {
                if let Some(b) = decl[..i].iter().find(|b| match (a.num, b.num) {
                    (Some(x), Some(y)) => x == y,
                    _ => a.text == b.text,
                }) {
                    let where_ = match (source, &raw.categories) {
                        ("\"categories\"", Some(list)) => format!("{origin}:{}:{}", list[i].1, list[i].2),
                        _ => "--categories".to_string(),
                    };
                    errors.push(format!(
                        "{where_}: category {:?} is listed twice (as {:?} and {:?})",
                        a.text, b.text, a.text
                    ));
                }
            }
            if decl.is_empty() {
                errors.push(format!("{origin}: {source} is empty; list the categories in scale order"));
            }
            let shown: Vec<&str> = decl.iter().map(|d| d.text.as_str()).collect();
            let shown =
                if shown.len() > 12 { format!("{}, …", shown[..12].join(", ")) } else { shown.join(", ") };
            for (id, v) in distinct.iter().enumerate() {
                match decl.iter().position(|d| matches(d, v)) {
                    Some(c) => code_of[id] = c as u16,
                    None => {
                        let times = if v.occurrences > 1 {
                            format!(" ({} times; first here)", v.occurrences)
                        } else {
                            String::new()
                        };
                        errors.push(format!(
                            "{origin}:{}:{}: {:?} is not one of the categories {shown} (from {source}){times}; add it to {source} or fix the rating",
                            v.line, v.col, v.text
                        ));
                    }
                }
            }
            let values: Option<Vec<f64>> = decl.iter().map(|d| d.num).collect();
            (decl.into_iter().map(|d| d.label).collect::<Vec<_>>(), values)
        }
        None => {
            if distinct.iter().all(|v| v.num.is_some()) {
                // Numeric order; "1" and "1.0" are one category.
                let mut nums: Vec<f64> = distinct.iter().map(|v| v.num.expect("numeric")).collect();
                nums.sort_by(f64::total_cmp);
                nums.dedup();
                for (id, v) in distinct.iter().enumerate() {
                    code_of[id] = nums
                        .binary_search_by(|x| x.total_cmp(&v.num.expect("numeric")))
                        .expect("present") as u16;
                }
                (nums.iter().map(|&x| number_label(x)).collect(), Some(nums))
            } else {
                for (id, _) in distinct.iter().enumerate() {
                    code_of[id] = id as u16;
                }
                (distinct.iter().map(|v| v.label.clone()).collect(), None)
            }
        }
    };
    if labels.len() > MAX_CATEGORIES {
        errors.push(format!("{origin}: {} categories; at most {MAX_CATEGORIES} are supported", labels.len()));
    }
    if !errors.is_empty() {
        return Err(finish_errors(errors, origin));
    }
    let code = |id: u32| if id == NO_VALUE { MISSING } else { code_of[id as usize] };
    let codes: Vec<u16> = if raw.item_major {
        let (r, n) = (raw.raters.len(), raw.n_items);
        let mut codes = vec![MISSING; r * n];
        for (i, row) in raw.cells.chunks(r.max(1)).enumerate() {
            for (k, &id) in row.iter().enumerate() {
                codes[k * n + i] = code(id);
            }
        }
        codes
    } else {
        raw.cells.iter().map(|&id| code(id)).collect()
    };
    let matrix = RatingMatrix::new(raw.raters.len(), raw.n_items, labels.len(), codes)
        .map_err(|e| vec![format!("{origin}: {e}")])?;
    Ok(RatingsTable { raters: raw.raters, items: raw.items, matrix, labels, values, level: raw.level })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn csv(s: &str) -> Result<RatingsTable, Vec<String>> {
        parse_ratings(s.as_bytes(), "r.csv", None)
    }

    #[test]
    fn csv_with_item_column_missing_cells_and_numeric_order() {
        let t = csv("item,ann1,ann2\r\na,2,1\nb,,10\n\"c\",1,\n").unwrap();
        assert_eq!(t.raters, vec!["ann1", "ann2"]);
        assert_eq!(t.items, Some(vec!["a".into(), "b".into(), "c".into()]));
        assert_eq!(t.labels, vec![json!(1), json!(2), json!(10)]);
        assert_eq!(t.values, Some(vec![1.0, 2.0, 10.0]));
        assert_eq!(t.matrix.row(0), &[1, MISSING, 0]);
        assert_eq!(t.matrix.row(1), &[0, 2, MISSING]);
    }

    #[test]
    fn csv_text_categories_in_order_of_first_appearance() {
        let t = csv("a,b\nyes,no\nmaybe,yes\n").unwrap();
        assert_eq!(t.labels, vec![json!("yes"), json!("no"), json!("maybe")]);
        assert_eq!(t.values, None);
        assert_eq!(t.items, None);
    }

    #[test]
    fn csv_quoted_cells_and_tabs() {
        let t = csv("x\ty\n\"a, b\"\t\"say \"\"hi\"\"\"\n").unwrap();
        assert_eq!(t.labels, vec![json!("a, b"), json!("say \"hi\"")]);
    }

    #[test]
    fn csv_multiline_quoted_cells_keep_line_numbers() {
        let t = csv("a,b\r\n\"x\r\ny\",1\r\n\n2,\"3\"\r\n").unwrap();
        assert_eq!(t.labels, vec![json!("x\r\ny"), json!("1"), json!("2"), json!("3")]);
        let e = csv("a,b\n\"x\ny\",1\n1,2,3\n").unwrap_err();
        assert_eq!(e, vec!["r.csv:4: 3 cells, but the header has 2 columns"]);
        let e = csv("a,b\n\"x,1\n").unwrap_err();
        assert_eq!(e, vec!["r.csv:2: a quoted cell is not closed (missing '\"')"]);
    }

    #[test]
    fn csv_errors_say_where() {
        let e = csv("a,b\n1,2\n1,2,3\n").unwrap_err();
        assert_eq!(e, vec!["r.csv:3: 3 cells, but the header has 2 columns"]);
        let e = csv("a,a\n1,2\n").unwrap_err();
        assert!(e[0].starts_with("r.csv:1:3: rater \"a\" is named twice"), "{e:?}");
        let e = parse_ratings(b"a,b\n1,7\n", "r.csv", Some(&["1".into(), "2".into()])).unwrap_err();
        assert!(
            e[0].starts_with("r.csv:2:3: \"7\" is not one of the categories 1, 2 (from --categories)"),
            "{e:?}"
        );
    }

    #[test]
    fn declared_categories_set_the_order_and_match_numerically() {
        let t = parse_ratings(b"a,b\n1.0,3\n2,1\n", "r.csv", Some(&["3".into(), "2".into(), "1".into()]))
            .unwrap();
        assert_eq!(t.labels, vec![json!(3), json!(2), json!(1)]);
        assert_eq!(t.matrix.row(0), &[2, 1]);
        assert_eq!(t.matrix.row(1), &[0, 2]);
    }

    #[test]
    fn json_layout_with_reference_keys() {
        let text = r#"{"name": "x", "level": "ordinal", "categories": ["lo", "mid", "hi"],
            "raters": ["A", "B"], "expected": {"k": {"value": 1}},
            "ratings": [["lo", null, "hi"], ["mid", "mid", null]]}"#;
        let t = parse_ratings(text.as_bytes(), "g.json", None).unwrap();
        assert_eq!(t.raters, vec!["A", "B"]);
        assert_eq!(t.level, Some(Level::Ordinal));
        assert_eq!(t.labels, vec![json!("lo"), json!("mid"), json!("hi")]);
        assert_eq!(t.matrix.row(0), &[0, MISSING, 2]);
        assert_eq!(t.matrix.row(1), &[1, 1, MISSING]);
    }

    #[test]
    fn json_errors_have_lines() {
        let e = parse_ratings(b"{\"ratings\": [[1, 2],\n [1]]}", "g.json", None).unwrap_err();
        assert!(e[0].starts_with("g.json:2: rater 2 has 1 ratings"), "{e:?}");
        let e = parse_ratings(b"{\"categories\": [1, 2],\n\"ratings\": [[1, 2],\n [1, 3]]}", "g.json", None)
            .unwrap_err();
        assert!(e[0].starts_with("g.json:3:6: \"3\" is not one of the categories 1, 2"), "{e:?}");
        let e = parse_ratings(b"{\"ratings\": [[1, 2,]]}", "g.json", None).unwrap_err();
        assert!(e[0].starts_with("g.json:1:20: expected a JSON value"), "{e:?}");
        let e = parse_ratings(b"{\"ratings\": [[1, [2]]]}", "g.json", None).unwrap_err();
        assert!(e[0].contains("not an array or object"), "{e:?}");
    }

    #[test]
    fn many_errors_are_capped_with_a_count() {
        let mut s = String::from("a,b\n");
        for _ in 0..60 {
            s.push_str("1\n");
        }
        let e = csv(&s).unwrap_err();
        assert_eq!(e.len(), 51);
        assert_eq!(e[50], "r.csv: 60 errors in all (10 not shown)");
    }
}
