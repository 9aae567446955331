//! The common CSV table counted straight from its bytes, on two threads, without a matrix: a
//! header of distinct rater names (no `item` column), then rows of as many unquoted cells, with
//! a handful of distinct values. The body is cut in two halves at a line break; each half is
//! read at its offset by its own thread, which turns every row into one small id per cell and
//! counts, as it goes, the row's pattern (its per-value counts as one dense key) and its ids
//! by twos of raters, from which each rater pair's table follows. The halves' values are then put in order of first
//! appearance (the first half's, then the second's new ones: the order a single reader finds),
//! mapped onto the category scale, and their counts added in category codes.
//!
//! Anything else (a quote, a carriage return inside a line, a row of another length, a byte
//! that is not UTF-8, too many distinct values, a value off `--categories`…) is declined: the
//! caller reads the table with the general reader, which gives the same result or the located
//! error. What is counted here equals what the matrix would give, count for count.

use super::scale::{Categories, categories};
use super::values::{Distinct, parse_number};
use crate::agreement::counts::{DENSE_LIMIT, UnitPatterns};
use crate::agreement::matrix::ConfusionMatrix;
use crate::agreement::table_counts::TableCounts;
use serde_json::Value;
use std::collections::HashMap;
use std::io;

/// A source that several threads read at offsets: a file, or bytes in memory.
pub(super) trait ReadAt: Sync {
    fn size(&self) -> u64;
    /// Reads from `offset`; 0 at the end.
    fn read_at(&self, buf: &mut [u8], offset: u64) -> io::Result<usize>;
}

impl ReadAt for [u8] {
    fn size(&self) -> u64 {
        self.len() as u64
    }

    fn read_at(&self, buf: &mut [u8], offset: u64) -> io::Result<usize> {
        let start = (offset as usize).min(self.len());
        let n = buf.len().min(self.len() - start);
        buf[..n].copy_from_slice(&self[start..start + n]);
        Ok(n)
    }
}

/// A regular file of a known size.
pub(super) struct FileAt<'f> {
    pub file: &'f std::fs::File,
    pub size: u64,
}

impl ReadAt for FileAt<'_> {
    fn size(&self) -> u64 {
        self.size
    }

    fn read_at(&self, buf: &mut [u8], offset: u64) -> io::Result<usize> {
        use std::os::unix::fs::FileExt;
        let n = buf.len().min(self.size.saturating_sub(offset) as usize);
        loop {
            match self.file.read_at(&mut buf[..n], offset) {
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                other => return other,
            }
        }
    }
}

/// The table is not of the common kind: read it with the general reader.
#[derive(Debug)]
pub(super) struct Declined;

/// How the body is read: the read size, and from what body size it is cut in two halves.
#[derive(Debug, Clone, Copy)]
pub(super) struct Plan {
    pub chunk: usize,
    pub split_from: u64,
}

pub(super) const PLAN: Plan = Plan { chunk: 1 << 20, split_from: 1 << 20 };

/// At most this many raters (pair tables of 64 counts each).
const MAX_RATERS: usize = 32;
/// At most this many distinct values per half; id [`MISS`] is an empty cell.
const MAX_IDS: usize = 7;
const MISS: u8 = 7;
/// Not looked up yet (in the one-byte cell table).
const UNKNOWN: u8 = u8::MAX;

/// What the common reader found: the raters, the scale and the counts.
pub(super) struct Counted {
    pub raters: Vec<String>,
    pub labels: Vec<Value>,
    pub values: Option<Vec<f64>>,
    pub counts: TableCounts,
}

/// Reads exactly `buf.len()` bytes at `offset` (fewer only at the end of the source).
fn fill_at<S: ReadAt + ?Sized>(src: &S, buf: &mut [u8], offset: u64) -> Result<usize, Declined> {
    let mut got = 0;
    while got < buf.len() {
        match src.read_at(&mut buf[got..], offset + got as u64) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(_) => return Err(Declined),
        }
    }
    Ok(got)
}

/// The rater names of a plain header line, when they make a common table.
fn header_names(line: &[u8], delim: u8) -> Result<Vec<String>, Declined> {
    if line.iter().any(|&b| b == b'"' || b == b'\r') {
        return Err(Declined);
    }
    let mut names: Vec<String> = Vec::new();
    for cell in line.split(|&b| b == delim) {
        let name = std::str::from_utf8(cell).map_err(|_| Declined)?.trim();
        if name.is_empty() || names.iter().any(|n| n == name) {
            return Err(Declined);
        }
        names.push(name.to_string());
    }
    let item_column = names[0].eq_ignore_ascii_case("item");
    if item_column || names.len() < 2 || names.len() > MAX_RATERS {
        return Err(Declined);
    }
    Ok(names)
}

/// Counts the table of `src`, or declines it.
pub(super) fn count_csv<S: ReadAt + ?Sized>(
    src: &S,
    origin: &str,
    flag: Option<&[String]>,
    plan: Plan,
) -> Result<Counted, Declined> {
    let size = src.size();
    // Counts are 32-bit: a source under 4 GiB has fewer rows.
    if size == 0 || size > u64::from(u32::MAX) {
        return Err(Declined);
    }
    // The header line is looked for in the first MiB, as the general reader does.
    let mut head = vec![0u8; (super::HEADER_LOOK as u64).min(size) as usize];
    let got = fill_at(src, &mut head, 0)?;
    head.truncate(got);
    let bom = if head.starts_with(b"\xEF\xBB\xBF") { 3 } else { 0 };
    // A blank first line, or JSON, goes to the general reader.
    match head.get(bom) {
        Some(b) if !b" \t\r\n{[".contains(b) => {}
        _ => return Err(Declined),
    }
    let nl = bom + memchr::memchr(b'\n', &head[bom..]).ok_or(Declined)?;
    let mut header = &head[bom..nl];
    let delim = if header.contains(&b'\t') && !header.contains(&b',') { b'\t' } else { b',' };
    if let [rest @ .., b'\r'] = header {
        header = rest;
    }
    let raters = header_names(header, delim)?;
    let body = (nl + 1) as u64;
    if body >= size {
        return Err(Declined);
    }
    let cut =
        if size - body >= plan.split_from { line_start_after(src, body + (size - body) / 2)? } else { size };
    let n = raters.len();
    let parts: Vec<Part> = if cut < size {
        std::thread::scope(|s| {
            let first = s.spawn(|| Part::read(src, body..cut, n, delim, plan.chunk));
            let second = Part::read(src, cut..size, n, delim, plan.chunk);
            let first = first.join().map_err(|_| Declined)?;
            Ok::<_, Declined>(vec![first?, second?])
        })?
    } else {
        vec![Part::read(src, body..size, n, delim, plan.chunk)?]
    };
    merge(raters, parts, origin, flag)
}

/// The offset just past the first line break at or after `from` (the source's end if none).
fn line_start_after<S: ReadAt + ?Sized>(src: &S, from: u64) -> Result<u64, Declined> {
    let mut buf = vec![0u8; 4096];
    let mut at = from;
    loop {
        let got = fill_at(src, &mut buf, at)?;
        if let Some(k) = memchr::memchr(b'\n', &buf[..got]) {
            return Ok(at + k as u64 + 1);
        }
        if got < buf.len() {
            return Ok(src.size());
        }
        at += got as u64;
    }
}

/// One half of the body, counted in its own value ids.
struct Part {
    n_raters: usize,
    rows: u64,
    /// Line breaks read (the half's lines; every line of a first half ends with one).
    lines: usize,
    /// Distinct values by id, in order of first appearance; `line` is 0-based within the half.
    distinct: Vec<Distinct>,
    texts: HashMap<String, u8>,
    /// Cell bytes → id: one-byte cells by indexing, longer ones hashed.
    one_byte: [u8; 256],
    longer: HashMap<Box<[u8]>, u8>,
    /// `pow[id]` = (raters + 1)^id, 0 for [`MISS`]: a row's key is the sum over its cells.
    pow: [u32; 8],
    /// Rows per key; (raters + 1)^(ids so far) slots.
    hist: Vec<u32>,
    /// Raters go by twos (0 and 1, 2 and 3, …; the last alone when odd), a two's ids as one
    /// 6-bit value (first << 3 | second; [`MISS`] for a missing second). Per two, the counts of
    /// its value (its own pair); per pair of twos, 64 × 64 counts of (first two's, second's):
    /// 15 counts a row for 10 raters instead of 45, from which every pair's table follows.
    twos: Vec<[u32; 64]>,
    two_pairs: Vec<u32>,
}

impl Part {
    fn read<S: ReadAt + ?Sized>(
        src: &S,
        range: std::ops::Range<u64>,
        n_raters: usize,
        delim: u8,
        chunk: usize,
    ) -> Result<Part, Declined> {
        let mut part = Part {
            n_raters,
            rows: 0,
            lines: 0,
            distinct: Vec::new(),
            texts: HashMap::new(),
            one_byte: [UNKNOWN; 256],
            longer: HashMap::new(),
            pow: [0; 8],
            hist: vec![0; 1],
            twos: vec![[0; 64]; n_raters.div_ceil(2)],
            two_pairs: vec![0; n_raters.div_ceil(2) * (n_raters.div_ceil(2) - 1) / 2 * 4096],
        };
        let mut buf = vec![0u8; chunk.max(1)];
        // buf[..held] is the start of a line not read to its end yet.
        let mut held = 0;
        let mut at = range.start;
        loop {
            if held == buf.len() {
                buf.resize(buf.len() * 2, 0);
            }
            let want = (buf.len() - held).min((range.end - at) as usize);
            let got = fill_at(src, &mut buf[held..held + want], at)?;
            if got < want {
                // The file became shorter while read.
                return Err(Declined);
            }
            at += got as u64;
            let end = held + got;
            let mut start = 0;
            for nl in memchr::memchr_iter(b'\n', &buf[..end]) {
                part.line(&buf[start..nl], delim)?;
                start = nl + 1;
            }
            if at == range.end {
                if start < end {
                    part.line(&buf[start..end], delim)?;
                }
                return Ok(part);
            }
            buf.copy_within(start..end, 0);
            held = end - start;
        }
    }

    /// One line, without its line break.
    #[inline]
    fn line(&mut self, mut line: &[u8], delim: u8) -> Result<(), Declined> {
        let number = self.lines;
        self.lines += 1;
        if let [rest @ .., b'\r'] = line {
            line = rest;
        }
        let n = self.n_raters;
        let mut ids = [MISS; MAX_RATERS];
        let mut key = 0u32;
        let mut pos = 0;
        for (k, id) in ids[..n].iter_mut().enumerate() {
            let start = pos;
            let cell_id = match line.get(pos) {
                None => MISS,
                Some(&b) if b == delim => MISS,
                Some(&b) if line.get(pos + 1).is_none_or(|&c| c == delim) => {
                    pos += 1;
                    match self.one_byte[b as usize] {
                        UNKNOWN => self.new_cell(line, start, pos, number)?,
                        known => known,
                    }
                }
                Some(_) => {
                    pos = memchr::memchr(delim, &line[pos..]).map_or(line.len(), |e| pos + e);
                    match self.longer.get(&line[start..pos]) {
                        Some(&known) => known,
                        None => self.new_cell(line, start, pos, number)?,
                    }
                }
            };
            // `pos` is at the delimiter after the cell, or at the end of the line.
            if k + 1 < n {
                if pos >= line.len() {
                    return self.short_line(line, k);
                }
                pos += 1;
            } else if pos != line.len() {
                return Err(Declined);
            }
            *id = cell_id;
            key += self.pow[(cell_id & MISS) as usize];
        }
        self.hist[key as usize] += 1;
        // `ids` past the raters are MISS: the partner of an odd last rater.
        let mut twos = [0usize; MAX_RATERS / 2];
        let twos = &mut twos[..n.div_ceil(2)];
        for ((two, ab), counts) in twos.iter_mut().zip(ids.chunks_exact(2)).zip(&mut self.twos) {
            *two = (((ab[0] as usize) << 3) | ab[1] as usize) & 63;
            counts[*two] += 1;
        }
        let mut tables = self.two_pairs.chunks_exact_mut(4096);
        for (g, &first) in twos.iter().enumerate() {
            for &second in &twos[g + 1..] {
                if let Some(t) = tables.next() {
                    t[(first << 6) | second] += 1;
                }
            }
        }
        self.rows += 1;
        Ok(())
    }

    /// Every rater pair's 8 × 8 table of (first rater's id, second's), (0, 1), (0, 2), …
    fn pair_tables(&self) -> Vec<[u64; 64]> {
        let n = self.n_raters;
        let n_twos = n.div_ceil(2);
        let mut out = Vec::with_capacity(n * (n - 1) / 2);
        for a in 0..n {
            for b in a + 1..n {
                let mut table = [0u64; 64];
                let (ga, gb) = (a / 2, b / 2);
                if ga == gb {
                    for (t, &c) in table.iter_mut().zip(&self.twos[ga]) {
                        *t = u64::from(c);
                    }
                } else {
                    // The id of rater `r` in its two's value `v`.
                    let id = |v: usize, r: usize| if r.is_multiple_of(2) { v >> 3 } else { v & 7 };
                    let k = ga * n_twos - ga * (ga + 1) / 2 + (gb - ga - 1);
                    let counts = &self.two_pairs[k * 4096..(k + 1) * 4096];
                    for (uv, &c) in counts.iter().enumerate() {
                        table[(id(uv >> 6, a) << 3) | id(uv & 63, b)] += u64::from(c);
                    }
                }
                out.push(table);
            }
        }
        out
    }

    /// A line of fewer cells than raters: a blank line (spaces only, no delimiter) is skipped,
    /// as the general reader does; any other is declined.
    #[cold]
    fn short_line(&mut self, line: &[u8], cells_before: usize) -> Result<(), Declined> {
        let blank =
            cells_before == 0 && !line.contains(&b'\r') && line.iter().all(|b| b.is_ascii_whitespace());
        if blank { Ok(()) } else { Err(Declined) }
    }

    /// A cell not seen before, `line[start..end]`, on the half's line `number` (0-based).
    #[cold]
    fn new_cell(&mut self, line: &[u8], start: usize, end: usize, number: usize) -> Result<u8, Declined> {
        let raw = &line[start..end];
        if raw.iter().any(|&b| b == b'"' || b == b'\r') {
            return Err(Declined);
        }
        let text = std::str::from_utf8(raw).map_err(|_| Declined)?.trim();
        let id = if text.is_empty() {
            MISS
        } else if let Some(&id) = self.texts.get(text) {
            id
        } else {
            let id = self.distinct.len();
            let size = (self.n_raters as u64 + 1).pow(id as u32 + 1);
            if id == MAX_IDS || size > DENSE_LIMIT {
                return Err(Declined);
            }
            // The line's cells before this one are known, so valid UTF-8.
            let col = String::from_utf8_lossy(&line[..start]).chars().count() + 1;
            self.distinct.push(Distinct {
                text: text.to_string(),
                num: parse_number(text),
                label: Value::String(text.to_string()),
                line: number,
                col,
            });
            self.texts.insert(text.to_string(), id as u8);
            self.pow[id] = (self.n_raters as u32 + 1).pow(id as u32);
            self.hist.resize(size as usize, 0);
            id as u8
        };
        match raw {
            [b] => self.one_byte[*b as usize] = id,
            _ => {
                self.longer.insert(raw.into(), id);
            }
        }
        Ok(id)
    }
}

/// The halves' values in order of first appearance, on the scale; their counts in codes.
fn merge(
    raters: Vec<String>,
    parts: Vec<Part>,
    origin: &str,
    flag: Option<&[String]>,
) -> Result<Counted, Declined> {
    let n = raters.len();
    let mut distinct: Vec<Distinct> = Vec::new();
    let mut global: Vec<Vec<usize>> = Vec::new();
    // The header is line 1; each half's lines follow the one before.
    let mut first_line = 2;
    for part in &parts {
        let ids = part
            .distinct
            .iter()
            .map(|v| match distinct.iter().position(|d| d.text == v.text) {
                Some(g) => g,
                None => {
                    distinct.push(Distinct { line: first_line + v.line, ..v.clone() });
                    distinct.len() - 1
                }
            })
            .collect();
        global.push(ids);
        first_line += part.lines;
    }
    // A value off the scale (or any other error) is reported by the general reader.
    let Categories { code_of, labels, values } =
        categories(&distinct, None, origin, flag, |_| 0).map_err(|_| Declined)?;
    let q = labels.len();
    if !UnitPatterns::dense_keys(n, q) {
        // Patterns beyond dense keys are counted in item order, which these counts do not keep.
        return Err(Declined);
    }
    let base = n as u32 + 1;
    let mut hist = vec![0u32; (base as usize).pow(q as u32)];
    let mut pairwise: Vec<Vec<u64>> = vec![vec![0; q * q]; n * (n - 1) / 2];
    let mut rater_counts = vec![0u64; n * q];
    let mut rows = 0;
    for (part, global) in parts.iter().zip(&global) {
        rows += part.rows;
        let code: Vec<usize> = global.iter().map(|&g| code_of[g] as usize).collect();
        let pow: Vec<u32> = (0..q as u32).map(|c| base.pow(c)).collect();
        for (key, &count) in part.hist.iter().enumerate() {
            if count == 0 {
                continue;
            }
            let (mut rest, mut code_key) = (key as u32, 0);
            for &c in &code {
                code_key += rest % base * pow[c];
                rest /= base;
            }
            hist[code_key as usize] += count;
        }
        let pairs = part.pair_tables();
        for (p, table) in pairs.iter().enumerate() {
            for (x, &cx) in code.iter().enumerate() {
                for (y, &cy) in code.iter().enumerate() {
                    pairwise[p][cx * q + cy] += table[x << 3 | y];
                }
            }
        }
        // Rater 0's ratings are the rows of its pair with rater 1; rater r's the columns of
        // its pair with rater 0 (pair r − 1), the missing id included on the other side.
        for (x, &cx) in code.iter().enumerate() {
            rater_counts[cx] += pairs[0][x << 3..(x << 3) + 8].iter().sum::<u64>();
            for r in 1..n {
                let column: u64 = (0..8).map(|y| pairs[r - 1][y << 3 | x]).sum();
                rater_counts[r * q + cx] += column;
            }
        }
    }
    let patterns = UnitPatterns::from_dense_histogram(q, base, &mut hist);
    let counts = TableCounts {
        n_raters: n,
        n_items: rows as usize,
        n_categories: q,
        n_ratings: rater_counts.iter().sum(),
        patterns,
        pairwise: pairwise.into_iter().map(|counts| ConfusionMatrix { q, counts }).collect(),
        rater_category_counts: rater_counts,
    };
    Ok(Counted { raters, labels, values, counts })
}

#[cfg(test)]
mod tests;
