//! The lines of a CSV table read ahead of the `csv` crate while they are plain: no quote and no
//! carriage return but one ending the line. Such a line's cells are exactly its bytes split at
//! the delimiter, so a table without quotes (the usual case) is split by a byte loop over large
//! reads instead of the general record parser; at the first line that is not plain, the rest of
//! the input (from that line's start) goes to the `csv` crate.

use std::io::Read;

/// Read size, and the buffer's size until a longer line needs more.
const CHUNK: usize = 1 << 20;

pub(super) enum Line<'a> {
    /// A plain line without its terminator, and its 1-based number.
    Plain(&'a [u8], usize),
    /// The current line is not plain; [`PlainLines::rest`] gives the input from its start.
    NotPlain,
    End,
}

pub(super) struct PlainLines<R> {
    input: R,
    buf: Vec<u8>,
    /// Start of the current line and end of the bytes read, in `buf`.
    pos: usize,
    end: usize,
    eof: bool,
    /// Line breaks before `pos`.
    lines_before: usize,
}

impl<R: Read> PlainLines<R> {
    pub fn new(input: R) -> PlainLines<R> {
        PlainLines { input, buf: vec![0; CHUNK], pos: 0, end: 0, eof: false, lines_before: 0 }
    }

    /// Moves the unread bytes to the front and reads more (growing the buffer when full).
    fn fill(&mut self) -> std::io::Result<()> {
        self.buf.copy_within(self.pos..self.end, 0);
        self.end -= self.pos;
        self.pos = 0;
        if self.end == self.buf.len() {
            self.buf.resize(self.buf.len() * 2, 0);
        }
        loop {
            match self.input.read(&mut self.buf[self.end..]) {
                Ok(0) => {
                    self.eof = true;
                    return Ok(());
                }
                Ok(n) => {
                    self.end += n;
                    return Ok(());
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
    }

    /// The next line, its cells' ends in `ends` (see [`split`]). A line that is not plain is
    /// not consumed.
    pub fn next_line(&mut self, delim: u8, ends: &mut Vec<usize>) -> std::io::Result<Line<'_>> {
        let nl = loop {
            if let Some(k) = memchr::memchr(b'\n', &self.buf[self.pos..self.end]) {
                break Some(self.pos + k);
            }
            if self.eof {
                break None;
            }
            self.fill()?;
        };
        let start = self.pos;
        let stop = nl.unwrap_or(self.end);
        if start == stop && nl.is_none() {
            return Ok(Line::End);
        }
        let mut line = &self.buf[start..stop];
        if let [rest @ .., b'\r'] = line {
            line = rest;
        }
        if !split(line, delim, ends) {
            return Ok(Line::NotPlain);
        }
        self.pos = nl.map_or(self.end, |nl| nl + 1);
        let number = self.lines_before + 1;
        self.lines_before += usize::from(nl.is_some());
        Ok(Line::Plain(line, number))
    }

    /// The input from the start of the current line, and the line breaks before it.
    pub fn rest(self) -> (impl Read, usize) {
        let PlainLines { input, mut buf, pos, end, lines_before, .. } = self;
        buf.truncate(end);
        (std::io::Cursor::new(buf).chain_at(pos, input), lines_before)
    }
}

/// `Cursor::chain` from a position, without copying the buffer.
trait ChainAt<R> {
    fn chain_at(self, pos: usize, next: R) -> std::io::Chain<std::io::Cursor<Vec<u8>>, R>;
}

impl<R: Read> ChainAt<R> for std::io::Cursor<Vec<u8>> {
    fn chain_at(mut self, pos: usize, next: R) -> std::io::Chain<std::io::Cursor<Vec<u8>>, R> {
        self.set_position(pos as u64);
        self.chain(next)
    }
}

/// Splits a line at `delim` into `ends` (each cell's end; a cell starts one past the previous
/// end), in one pass over short lines; false when the line holds a quote or a carriage return.
#[inline]
pub(super) fn split(line: &[u8], delim: u8, ends: &mut Vec<usize>) -> bool {
    ends.clear();
    for (i, &b) in line.iter().enumerate() {
        if b == delim {
            ends.push(i);
        } else if b == b'"' || b == b'\r' {
            return false;
        }
    }
    ends.push(line.len());
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The plain lines with their numbers; then, if a line is not plain, the rest and the line
    /// breaks before it.
    type Seen = (Vec<(String, usize)>, Option<(Vec<u8>, usize)>);

    fn lines(text: &[u8]) -> Seen {
        let mut p = PlainLines::new(text);
        let mut out = Vec::new();
        let mut ends = Vec::new();
        loop {
            match p.next_line(b',', &mut ends).unwrap() {
                Line::Plain(l, n) => out.push((String::from_utf8(l.to_vec()).unwrap(), n)),
                Line::End => return (out, None),
                Line::NotPlain => break,
            }
        }
        let (mut rest, before) = p.rest();
        let mut bytes = Vec::new();
        rest.read_to_end(&mut bytes).unwrap();
        (out, Some((bytes, before)))
    }

    #[test]
    fn plain_lines_then_the_rest_from_the_first_line_with_a_quote_or_lone_carriage_return() {
        let (l, rest) = lines(b"a,b\r\n\n1,2");
        assert_eq!(l, vec![("a,b".into(), 1), ("".into(), 2), ("1,2".into(), 3)]);
        assert_eq!(rest, None);
        let (l, rest) = lines(b"a,b\n1,2\n\"x\ny\",3\n");
        assert_eq!(l, vec![("a,b".into(), 1), ("1,2".into(), 2)]);
        assert_eq!(rest, Some((b"\"x\ny\",3\n".to_vec(), 2)));
        let (l, rest) = lines(b"a\n1\r2\n");
        assert_eq!(l, vec![("a".into(), 1)]);
        assert_eq!(rest, Some((b"1\r2\n".to_vec(), 1)));
    }

    #[test]
    fn a_line_longer_than_the_buffer_is_read_whole() {
        let mut text = vec![b'x'; CHUNK * 2 + 7];
        text.extend_from_slice(b"\ny\n");
        let (l, rest) = lines(&text);
        assert_eq!(l.len(), 2);
        assert_eq!(l[0].0.len(), CHUNK * 2 + 7);
        assert_eq!(l[1], ("y".into(), 2));
        assert_eq!(rest, None);
    }

    #[test]
    fn split_gives_each_cells_end() {
        let mut ends = Vec::new();
        assert!(split(b"1,,3", b',', &mut ends));
        assert_eq!(ends, vec![1, 2, 4]);
        assert!(split(b"", b',', &mut ends));
        assert_eq!(ends, vec![0]);
        assert!(!split(b"1,\"2\"", b',', &mut ends));
        assert!(!split(b"1\r2", b',', &mut ends));
    }
}
