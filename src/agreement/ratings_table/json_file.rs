//! A JSON ratings table: `{"categories": [...], "ratings": [[rater 0's value per item, null =
//! missing], ...]}` (raters × items), optionally `"raters"`, `"items"` and `"level"`; other keys
//! are skipped. Parsed by serde_json with visitors that intern each value as it is read (a
//! ratings array may hold millions of values; no `Value` tree is built).
//!
//! serde does not tell a visitor where it is, so the input goes through [`Positions`], which
//! follows the bytes serde reads and keeps the line and column where the current JSON token
//! started: messages point at the value, as they do for CSV.

use super::values::{Column, Interner, NO_VALUE, number_label};
use super::{RawTable, finish_errors};
use crate::schema::Level;
use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::Value;
use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt;
use std::io::Read;
use std::rc::Rc;

/// Where the current JSON token started, from the bytes read so far.
#[derive(Default)]
struct Tracker {
    line: usize,
    /// Characters on the current line so far.
    col: usize,
    in_string: bool,
    escape: bool,
    /// The last byte outside strings and blanks was `[`, `{`, `,` or `:` (or none yet).
    after_structural: bool,
    token_line: usize,
    token_col: usize,
    /// The current token's first bytes (a number's literal).
    token: Vec<u8>,
}

impl Tracker {
    fn new() -> Tracker {
        Tracker { line: 1, after_structural: true, ..Tracker::default() }
    }

    fn start_token(&mut self) {
        self.token_line = self.line;
        self.token_col = self.col + 1;
        self.token.clear();
    }

    fn byte(&mut self, b: u8) {
        if self.in_string {
            if self.escape {
                self.escape = false;
            } else if b == b'\\' {
                self.escape = true;
            } else if b == b'"' {
                self.in_string = false;
            }
        } else {
            match b {
                b' ' | b'\t' | b'\r' | b'\n' => {}
                b'[' | b'{' | b',' | b':' => {
                    if b != b',' && b != b':' && self.after_structural {
                        self.start_token();
                    }
                    self.after_structural = true;
                }
                b']' | b'}' => self.after_structural = false,
                _ => {
                    if self.after_structural {
                        self.start_token();
                        self.after_structural = false;
                    }
                    if b == b'"' {
                        self.in_string = true;
                    } else if self.token.len() < 64 {
                        self.token.push(b);
                    }
                }
            }
        }
        if b == b'\n' {
            self.line += 1;
            self.col = 0;
        } else if b & 0xC0 != 0x80 {
            self.col += 1;
        }
    }

    fn at(&self) -> (usize, usize) {
        (self.token_line, self.token_col)
    }
}

/// The input as serde reads it, with a [`Tracker`] following along.
struct Positions<R> {
    inner: R,
    tracker: Rc<RefCell<Tracker>>,
}

impl<R: Read> Read for Positions<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        let mut t = self.tracker.borrow_mut();
        for &b in &buf[..n] {
            t.byte(b);
        }
        Ok(n)
    }
}

/// Everything read so far, filled in by the visitors.
struct Reading<'a> {
    origin: &'a str,
    tracker: Rc<RefCell<Tracker>>,
    interner: Interner,
    rows: Vec<(Column, usize)>,
    categories: Option<Vec<(Value, usize, usize)>>,
    raters: Option<(Vec<String>, usize)>,
    items: Option<(Vec<String>, usize)>,
    level: Option<Level>,
    saw_ratings: bool,
    errors: Vec<String>,
    /// A located message that stopped the parse (serde gets a bare error in its place).
    fatal: Option<String>,
}

impl Reading<'_> {
    fn at(&self) -> (usize, usize) {
        self.tracker.borrow().at()
    }

    /// Stops the parse with a message located at the current token.
    fn stop<E: de::Error>(&mut self, msg: &str) -> E {
        let (line, col) = self.at();
        self.fatal = Some(format!("{}:{line}:{col}: {msg}", self.origin));
        E::custom(msg)
    }
}

/// One JSON scalar, as the visitors see it.
enum Scalar {
    Null,
    Bool(bool),
    Num(f64),
    Str(String),
    /// An array or an object (not read).
    Nested,
}

struct ScalarVisitor;

impl<'de> Visitor<'de> for ScalarVisitor {
    type Value = Scalar;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_unit<E>(self) -> Result<Scalar, E> {
        Ok(Scalar::Null)
    }
    fn visit_bool<E>(self, v: bool) -> Result<Scalar, E> {
        Ok(Scalar::Bool(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Scalar, E> {
        Ok(Scalar::Num(v as f64))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Scalar, E> {
        Ok(Scalar::Num(v as f64))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Scalar, E> {
        Ok(Scalar::Num(v))
    }
    fn visit_str<E>(self, v: &str) -> Result<Scalar, E> {
        Ok(Scalar::Str(v.to_string()))
    }
    fn visit_string<E>(self, v: String) -> Result<Scalar, E> {
        Ok(Scalar::Str(v))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Scalar, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Scalar::Nested)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Scalar, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Scalar::Nested)
    }
}

impl<'de> de::Deserialize<'de> for Scalar {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Scalar, D::Error> {
        d.deserialize_any(ScalarVisitor)
    }
}

/// Calls `each` on every element of an array (with the reading state), after noting the line
/// where the array starts.
struct ArraySeed<'r, 'a, F> {
    reading: &'r mut Reading<'a>,
    each: F,
    start_line: &'r mut usize,
}

impl<'de, F> DeserializeSeed<'de> for ArraySeed<'_, '_, F>
where
    F: FnMut(&mut Reading<'_>, Scalar) -> Result<(), String>,
{
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de, F> Visitor<'de> for ArraySeed<'_, '_, F>
where
    F: FnMut(&mut Reading<'_>, Scalar) -> Result<(), String>,
{
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an array")
    }
    fn visit_seq<A: SeqAccess<'de>>(mut self, mut seq: A) -> Result<(), A::Error> {
        *self.start_line = self.reading.at().0;
        while let Some(v) = seq.next_element::<Scalar>()? {
            if let Err(msg) = (self.each)(self.reading, v) {
                return Err(self.reading.stop(&msg));
            }
        }
        Ok(())
    }
}

/// `"ratings"`: an array of rater rows.
struct RatingsSeed<'r, 'a>(&'r mut Reading<'a>);

impl<'de> DeserializeSeed<'de> for RatingsSeed<'_, '_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for RatingsSeed<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("the ratings: one array per rater")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let reading = self.0;
        loop {
            let mut row_line = 0;
            let mut row = Column::new();
            let seed = ArraySeed {
                reading: &mut *reading,
                start_line: &mut row_line,
                each: |r: &mut Reading<'_>, v: Scalar| {
                    let (l, col) = r.at();
                    let id = match v {
                        Scalar::Null => NO_VALUE,
                        Scalar::Num(x) => {
                            let literal = String::from_utf8_lossy(&r.tracker.borrow().token).into_owned();
                            r.interner.intern_number(&literal, x, l, col)
                        }
                        Scalar::Str(s) if s.trim().is_empty() => {
                            return Err("an empty string is not a rating; use null for a missing one".into());
                        }
                        Scalar::Str(s) => r.interner.intern_text(&s, || (l, col)),
                        Scalar::Bool(b) => {
                            r.interner.intern_text(if b { "true" } else { "false" }, || (l, col))
                        }
                        Scalar::Nested => {
                            return Err(
                                "a rating must be a number, a string or null, not an array or object".into(),
                            );
                        }
                    };
                    row.push(id);
                    Ok(())
                },
            };
            match seq.next_element_seed(seed)? {
                Some(()) => reading.rows.push((row, row_line)),
                None => return Ok(()),
            }
        }
    }
}

/// The top-level object.
struct TableVisitor<'r, 'a>(&'r mut Reading<'a>);

impl<'de> Visitor<'de> for TableVisitor<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an object {\"categories\": [...], \"ratings\": [[...], ...]}")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let reading = self.0;
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "ratings" => {
                    reading.saw_ratings = true;
                    map.next_value_seed(RatingsSeed(&mut *reading))?;
                }
                "categories" => {
                    let mut list = Vec::new();
                    let mut line = 0;
                    map.next_value_seed(ArraySeed {
                        reading: &mut *reading,
                        start_line: &mut line,
                        each: |r: &mut Reading<'_>, v: Scalar| {
                            let (l, col) = r.at();
                            let v = match v {
                                Scalar::Num(x) => number_label(x),
                                Scalar::Str(s) => Value::String(s),
                                Scalar::Bool(b) => Value::String(b.to_string()),
                                _ => return Err("a category must be a number or a string".into()),
                            };
                            list.push((v, l, col));
                            Ok(())
                        },
                    })?;
                    reading.categories = Some(list);
                }
                "raters" | "items" => {
                    let mut list = Vec::new();
                    let mut line = 0;
                    map.next_value_seed(ArraySeed {
                        reading: &mut *reading,
                        start_line: &mut line,
                        each: |r: &mut Reading<'_>, v: Scalar| {
                            list.push(match v {
                                Scalar::Str(s) => s,
                                Scalar::Num(_) => {
                                    String::from_utf8_lossy(&r.tracker.borrow().token).into_owned()
                                }
                                _ => return Err(format!("each of \"{key}\" must be a string")),
                            });
                            Ok(())
                        },
                    })?;
                    if key == "raters" {
                        reading.raters = Some((list, line));
                    } else {
                        reading.items = Some((list, line));
                    }
                }
                "level" => {
                    let v: Scalar = map.next_value()?;
                    let (line, col) = reading.at();
                    let Scalar::Str(s) = v else {
                        return Err(reading.stop("\"level\" must be a string"));
                    };
                    reading.level = match s.as_str() {
                        "nominal" => Some(Level::Nominal),
                        "ordinal" => Some(Level::Ordinal),
                        "interval" => Some(Level::Interval),
                        "ratio" => Some(Level::Ratio),
                        _ => {
                            reading.errors.push(format!(
                                "{}:{line}:{col}: level {s:?} is not one of nominal, ordinal, interval, ratio",
                                reading.origin
                            ));
                            None
                        }
                    };
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(())
    }
}

/// serde_json's message without its " at line L column C", located our way.
fn located(e: &serde_json::Error, origin: &str) -> String {
    let full = e.to_string();
    let bare = full.rfind(" at line ").map_or(full.as_str(), |i| &full[..i]);
    match e.classify() {
        serde_json::error::Category::Eof => {
            format!("{origin}:{}:{}: the file ends before the JSON is complete", e.line(), e.column())
        }
        serde_json::error::Category::Io => format!("{origin}: cannot read the ratings file: {bare}"),
        _ => format!("{origin}:{}:{}: {bare}", e.line(), e.column()),
    }
}

/// Reads a JSON table.
pub(super) fn read_json<R: Read>(input: R, origin: &str) -> Result<RawTable, Vec<String>> {
    let tracker = Rc::new(RefCell::new(Tracker::new()));
    let mut reading = Reading {
        origin,
        tracker: tracker.clone(),
        interner: Interner::default(),
        rows: Vec::new(),
        categories: None,
        raters: None,
        items: None,
        level: None,
        saw_ratings: false,
        errors: Vec::new(),
        fatal: None,
    };
    let mut de = serde_json::Deserializer::from_reader(Positions { inner: input, tracker });
    let parsed =
        de::Deserializer::deserialize_map(&mut de, TableVisitor(&mut reading)).and_then(|()| de.end());
    if let Err(e) = parsed {
        return Err(vec![reading.fatal.take().unwrap_or_else(|| located(&e, origin))]);
    }
    let Reading { interner, rows, categories, raters, items, level, saw_ratings, mut errors, .. } = reading;
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
    Ok(RawTable {
        raters: names,
        items,
        n_items,
        columns: rows.into_iter().map(|(c, _)| c).collect(),
        interner,
        categories,
        level,
    })
}
