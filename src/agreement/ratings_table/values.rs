//! The values of a ratings table as read: each distinct value once (with where it first
//! appears), and one small id per cell, one byte a cell while there are fewer than 255 distinct
//! values (the usual case: a handful of categories), four bytes beyond.

use serde_json::Value;
use std::collections::HashMap;

/// A distinct value as read, before it is mapped onto the category scale.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Distinct {
    /// As written (a JSON string's content, a number's literal, a CSV cell trimmed).
    pub text: String,
    pub num: Option<f64>,
    /// The JSON value to show as a label when this value becomes a category.
    pub label: Value,
    pub line: usize,
    pub col: usize,
}

/// Distinct values in order of first appearance; a cell holds the value's index.
#[derive(Default)]
pub(super) struct Interner {
    texts: HashMap<String, u32>,
    numbers: HashMap<u64, u32>,
    pub distinct: Vec<Distinct>,
}

impl Interner {
    /// `at` gives (line, column) and is only called for a value not seen before.
    pub fn intern_text(&mut self, text: &str, at: impl FnOnce() -> (usize, usize)) -> u32 {
        if let Some(&id) = self.texts.get(text) {
            return id;
        }
        let id = self.distinct.len() as u32;
        let (line, col) = at();
        self.texts.insert(text.to_string(), id);
        self.distinct.push(Distinct {
            text: text.to_string(),
            num: parse_number(text),
            label: Value::String(text.to_string()),
            line,
            col,
        });
        id
    }

    pub fn intern_number(&mut self, literal: &str, x: f64, line: usize, col: usize) -> u32 {
        let x = if x == 0.0 { 0.0 } else { x };
        if let Some(&id) = self.numbers.get(&x.to_bits()) {
            return id;
        }
        let id = self.distinct.len() as u32;
        self.numbers.insert(x.to_bits(), id);
        self.distinct.push(Distinct {
            text: literal.to_string(),
            num: Some(x),
            label: number_label(x),
            line,
            col,
        });
        id
    }
}

/// A plain decimal number (not "inf", "NaN" or hex), finite.
pub(super) fn parse_number(s: &str) -> Option<f64> {
    let t = s.trim();
    let plain = !t.is_empty()
        && t.bytes().all(|b| b.is_ascii_digit() || matches!(b, b'-' | b'+' | b'.' | b'e' | b'E'))
        && t.bytes().any(|b| b.is_ascii_digit());
    if !plain {
        return None;
    }
    t.parse::<f64>().ok().filter(|x| x.is_finite())
}

/// How a number is shown as a category label: an integer when it is one.
pub(super) fn number_label(x: f64) -> Value {
    if x.fract() == 0.0 && x.abs() < 9.0e15 {
        Value::from(x as i64)
    } else {
        serde_json::Number::from_f64(x).map(Value::Number).unwrap_or(Value::Null)
    }
}

/// No rating in this cell.
pub(super) const NO_VALUE: u32 = u32::MAX;
const NARROW_NO_VALUE: u8 = u8::MAX;

/// Cells are stored in blocks of this many: a column grows without copying (a doubling `Vec`
/// would copy and, for a moment, hold its cells twice) and wastes at most one block.
const BLOCK: usize = 1 << 16;

/// A growable list kept in fixed-size blocks.
#[derive(Debug, Clone, Default)]
pub(super) struct Blocks<T> {
    blocks: Vec<Vec<T>>,
    len: usize,
}

impl<T: Copy> Blocks<T> {
    #[inline(always)]
    fn push(&mut self, x: T) {
        match self.blocks.last_mut() {
            Some(b) if b.len() < BLOCK => b.push(x),
            _ => self.push_to_new_block(x),
        }
        self.len += 1;
    }

    /// Once a block: kept out of line so that the common push stays small.
    #[cold]
    #[inline(never)]
    fn push_to_new_block(&mut self, x: T) {
        let mut b = Vec::with_capacity(BLOCK);
        b.push(x);
        self.blocks.push(b);
    }

    fn iter(&self) -> impl Iterator<Item = T> + '_ {
        self.blocks.iter().flat_map(|b| b.iter().copied())
    }
}

/// One rater's cells, as value ids.
#[derive(Debug, Clone)]
pub(super) enum Column {
    /// Ids below 255 (255 is "no value").
    Narrow(Blocks<u8>),
    Wide(Blocks<u32>),
}

impl Column {
    pub fn new() -> Column {
        Column::Narrow(Blocks::default())
    }

    /// Appends a value id or [`NO_VALUE`].
    #[inline(always)]
    pub fn push(&mut self, id: u32) {
        match self {
            Column::Narrow(v) if id < NARROW_NO_VALUE as u32 => v.push(id as u8),
            Column::Narrow(v) if id == NO_VALUE => v.push(NARROW_NO_VALUE),
            Column::Narrow(_) => {
                self.widen();
                self.push(id);
            }
            Column::Wide(v) => v.push(id),
        }
    }

    fn widen(&mut self) {
        if let Column::Narrow(v) = self {
            let mut wide = Blocks::default();
            for b in v.iter() {
                wide.push(if b == NARROW_NO_VALUE { NO_VALUE } else { b as u32 });
            }
            *self = Column::Wide(wide);
        }
    }

    pub fn len(&self) -> usize {
        match self {
            Column::Narrow(v) => v.len,
            Column::Wide(v) => v.len,
        }
    }

    /// Each cell's id, [`NO_VALUE`] when empty.
    pub fn ids(&self) -> Box<dyn Iterator<Item = u32> + '_> {
        match self {
            Column::Narrow(v) => {
                Box::new(v.iter().map(|b| if b == NARROW_NO_VALUE { NO_VALUE } else { b as u32 }))
            }
            Column::Wide(v) => Box::new(v.iter()),
        }
    }

    /// Appends the category code of every cell to `out`, freeing the column block by block;
    /// `code_of[id]` is a value's code and `missing` the code of an empty cell.
    pub fn codes_into(self, code_of: &[u16], missing: u16, out: &mut Vec<u16>) {
        match self {
            Column::Narrow(v) => {
                // A 256-entry table makes the mapping one load per cell.
                let mut table = [missing; 256];
                for (id, &c) in code_of.iter().enumerate().take(NARROW_NO_VALUE as usize) {
                    table[id] = c;
                }
                for block in v.blocks {
                    out.extend(block.iter().map(|&b| table[b as usize]));
                }
            }
            Column::Wide(v) => {
                for block in v.blocks {
                    out.extend(
                        block.iter().map(|&id| if id == NO_VALUE { missing } else { code_of[id as usize] }),
                    );
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_column_widens_past_254_distinct_values_and_keeps_its_cells() {
        let mut c = Column::new();
        c.push(3);
        c.push(NO_VALUE);
        c.push(254);
        assert!(matches!(c, Column::Narrow(_)));
        c.push(255);
        assert!(matches!(c, Column::Wide(_)));
        c.push(NO_VALUE);
        assert_eq!(c.ids().collect::<Vec<_>>(), vec![3, NO_VALUE, 254, 255, NO_VALUE]);
        let code_of: Vec<u16> = (0..256).map(|i| i as u16 * 2).collect();
        let mut out = Vec::new();
        c.clone().codes_into(&code_of, u16::MAX, &mut out);
        assert_eq!(out, vec![6, u16::MAX, 508, 510, u16::MAX]);
    }
}
