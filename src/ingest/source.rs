//! Splitting an input file into records without holding the file in memory.
//!
//! Two containers are read, whatever the record format: JSON Lines (one record per line; blank
//! lines skipped, a UTF-8 BOM and CRLF line ends accepted) and one top-level JSON array (the
//! CROSS release files), whose bytes are scanned to find each element's span and the line it
//! starts on, so that every element is parsed on its own with serde and an error can name its
//! line. Memory stays at one record (plus the read buffer) whatever the file size.

use std::io::{self, BufRead, Read};

/// A record longer than this is refused with a clear message instead of being buffered: no
/// honest item comes close (the largest real responses are a few hundred kilobytes).
pub const MAX_RECORD_BYTES: usize = 64 << 20;

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Which container the file uses, decided from its first non-blank byte.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Container {
    Lines,
    Array,
}

/// A problem with the file's structure, at a 1-based line. `fatal` means the rest of the file
/// cannot be split reliably any more (a JSON array whose brackets no longer match).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceError {
    pub line: usize,
    pub message: String,
    pub fatal: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ArrayState {
    /// Right after `[`: a value or `]`.
    First,
    /// After `,`: a value.
    Value,
    /// After a value: `,` or `]`.
    After,
    /// After the closing `]`: only whitespace may follow.
    Closed,
}

/// Records read ahead to detect the format, given again by the main pass: a pipe
/// (`import <(cat f)`, `validate /dev/stdin`) can be read only once.
pub(super) type ReadAhead = std::collections::VecDeque<(Result<usize, SourceError>, Vec<u8>)>;

pub struct RecordReader<R: BufRead> {
    r: R,
    container: Container,
    /// The line the next unread byte is on.
    line: usize,
    state: ArrayState,
    failed: bool,
    /// Bytes of the read buffer that hold the record last given by `next_record_ref`, consumed
    /// when the next one is asked for.
    pending: usize,
}

fn is_ws(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n')
}

/// Where the record is in a line without its `\n`: without the line end's CRs (CRLF), nor a
/// BOM at its start (files joined with `cat`).
fn record_span(line: &[u8]) -> (usize, usize) {
    let mut end = line.len();
    while end > 0 && line[end - 1] == b'\r' {
        end -= 1;
    }
    let start = if line[..end].starts_with(BOM) { BOM.len() } else { 0 };
    (start, end)
}

fn io_error(line: usize, e: io::Error) -> SourceError {
    SourceError { line, message: format!("cannot read the file: {e}"), fatal: true }
}

impl<R: BufRead> RecordReader<R> {
    /// Skips a BOM and leading whitespace and decides the container. `Ok(None)` for a file with
    /// no content at all (empty, or only blank lines).
    pub fn new(mut r: R) -> Result<Option<RecordReader<R>>, SourceError> {
        let mut line = 1;
        // The BOM: only at the very start of the file.
        let buf = r.fill_buf().map_err(|e| io_error(1, e))?;
        if buf.starts_with(BOM) {
            r.consume(BOM.len());
        }
        let first = loop {
            let buf = r.fill_buf().map_err(|e| io_error(line, e))?;
            if buf.is_empty() {
                return Ok(None);
            }
            match buf.iter().position(|&b| !is_ws(b)) {
                Some(i) => {
                    line += buf[..i].iter().filter(|&&b| b == b'\n').count();
                    let first = buf[i];
                    r.consume(i);
                    break first;
                }
                None => {
                    let n = buf.len();
                    line += buf.iter().filter(|&&b| b == b'\n').count();
                    r.consume(n);
                }
            }
        };
        let container = if first == b'[' { Container::Array } else { Container::Lines };
        if container == Container::Array {
            r.consume(1);
        }
        Ok(Some(RecordReader { r, container, line, state: ArrayState::First, failed: false, pending: 0 }))
    }

    pub fn container(&self) -> Container {
        self.container
    }

    /// Reads the next record's bytes into `buf` (cleared first) and returns the line it starts
    /// on; `None` at the end of the file.
    pub fn next_record(&mut self, buf: &mut Vec<u8>) -> Option<Result<usize, SourceError>> {
        self.r.consume(std::mem::take(&mut self.pending));
        if self.failed {
            return None;
        }
        buf.clear();
        let r = match self.container {
            Container::Lines => self.next_line(buf),
            Container::Array => self.next_element(buf),
        };
        if let Some(Err(e)) = &r
            && e.fatal
        {
            self.failed = true;
        }
        r
    }

    /// As [`next_record`](Self::next_record), with the record's bytes: a line that lies whole
    /// in the read buffer is given from there, not copied (the bytes are good until the next
    /// call); any other record is read into `buf`.
    pub fn next_record_ref<'a>(
        &'a mut self,
        buf: &'a mut Vec<u8>,
    ) -> Option<Result<(usize, &'a [u8]), SourceError>> {
        self.r.consume(std::mem::take(&mut self.pending));
        if self.failed || self.container != Container::Lines {
            return self.next_record(buf).map(|r| r.map(|line| (line, buf.as_slice())));
        }
        loop {
            let chunk = match self.r.fill_buf() {
                Ok(c) => c,
                Err(e) => return Some(Err(io_error(self.line, e))),
            };
            // The line goes on past the buffer (or is the file's last, without a line end): the
            // copying path reads it whole.
            let Some(newline) = memchr::memchr(b'\n', chunk) else {
                return self.next_record(buf).map(|r| r.map(|line| (line, buf.as_slice())));
            };
            let (start, end) = record_span(&chunk[..newline]);
            let line = self.line;
            self.line += 1;
            if chunk[start..end].iter().all(|&b| is_ws(b)) {
                self.r.consume(newline + 1);
                continue;
            }
            self.pending = newline + 1;
            // The same bytes again: `fill_buf` reads nothing while the buffer holds some.
            return match self.r.fill_buf() {
                Ok(chunk) => Some(Ok((line, &chunk[start..end]))),
                Err(e) => Some(Err(io_error(line, e))),
            };
        }
    }

    fn next_line(&mut self, buf: &mut Vec<u8>) -> Option<Result<usize, SourceError>> {
        loop {
            buf.clear();
            let line = self.line;
            let limit = MAX_RECORD_BYTES as u64 + 1;
            let n = match (&mut self.r).take(limit).read_until(b'\n', buf) {
                Ok(n) => n,
                Err(e) => return Some(Err(io_error(line, e))),
            };
            if n == 0 {
                return None;
            }
            self.line += 1;
            if buf.last() != Some(&b'\n') && buf.len() > MAX_RECORD_BYTES {
                // Drop the rest of the line without buffering it, then go on with the next.
                if let Err(e) = self.r.skip_until(b'\n') {
                    return Some(Err(io_error(line, e)));
                }
                buf.clear();
                return Some(Err(SourceError {
                    line,
                    message: format!(
                        "the line is longer than {} MiB; one JSON record per line is expected (is this a pretty-printed or binary file?)",
                        MAX_RECORD_BYTES >> 20
                    ),
                    fatal: false,
                }));
            }
            while matches!(buf.last(), Some(b'\n' | b'\r')) {
                buf.pop();
            }
            // A BOM at the start of a later line: files joined with `cat`.
            if buf.starts_with(BOM) {
                buf.drain(..BOM.len());
            }
            if buf.iter().all(|&b| is_ws(b)) {
                continue;
            }
            return Some(Ok(line));
        }
    }

    fn next_element(&mut self, buf: &mut Vec<u8>) -> Option<Result<usize, SourceError>> {
        let fatal = |line: usize, message: String| Some(Err(SourceError { line, message, fatal: true }));
        // Find the start of the next element.
        loop {
            let chunk = match self.r.fill_buf() {
                Ok(c) => c,
                Err(e) => return Some(Err(io_error(self.line, e))),
            };
            let Some(&b) = chunk.first() else {
                return match self.state {
                    ArrayState::Closed => None,
                    _ => fatal(
                        self.line,
                        "the file ends before the JSON array is closed with ']' (is the file cut short?)"
                            .into(),
                    ),
                };
            };
            if is_ws(b) {
                if b == b'\n' {
                    self.line += 1;
                }
                self.r.consume(1);
                continue;
            }
            match (self.state, b) {
                (ArrayState::First, b']') | (ArrayState::After, b']') => {
                    self.r.consume(1);
                    self.state = ArrayState::Closed;
                }
                (ArrayState::After, b',') => {
                    self.r.consume(1);
                    self.state = ArrayState::Value;
                }
                (ArrayState::Value, b']') => {
                    return fatal(
                        self.line,
                        "a ',' before the closing ']' is not valid JSON; remove it".into(),
                    );
                }
                (ArrayState::First | ArrayState::Value, b',') => {
                    return fatal(self.line, "a ',' where a record was expected; remove it".into());
                }
                (ArrayState::After, _) => {
                    return fatal(
                        self.line,
                        "expected ',' or ']' after the previous record (a missing comma, or a bracket that does not match?)"
                            .into(),
                    );
                }
                (ArrayState::Closed, _) => {
                    return fatal(
                        self.line,
                        "unexpected content after the closing ']' of the JSON array; one array per file is expected"
                            .into(),
                    );
                }
                (ArrayState::First | ArrayState::Value, _) => break,
            }
        }
        // Scan one element: an object or array up to its matching bracket, or a scalar up to the
        // next ',', ']' or whitespace. Strings are skipped with their escapes.
        let start_line = self.line;
        let mut depth = 0usize;
        let mut in_string = false;
        let mut escaped = false;
        let mut started = false;
        loop {
            let chunk = match self.r.fill_buf() {
                Ok(c) => c,
                Err(e) => return Some(Err(io_error(self.line, e))),
            };
            if chunk.is_empty() {
                return fatal(
                    start_line,
                    "the file ends inside this record (an unclosed string or bracket; is the file cut short?)".into(),
                );
            }
            let mut end = None;
            let mut newlines = 0;
            for (i, &b) in chunk.iter().enumerate() {
                if in_string {
                    if escaped {
                        escaped = false;
                    } else if b == b'\\' {
                        escaped = true;
                    } else if b == b'"' {
                        in_string = false;
                        if depth == 0 {
                            end = Some(i + 1);
                            break;
                        }
                    } else if b == b'\n' {
                        newlines += 1;
                    }
                    continue;
                }
                match b {
                    b'"' => in_string = true,
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' if depth > 0 => {
                        depth -= 1;
                        if depth == 0 {
                            end = Some(i + 1);
                            break;
                        }
                    }
                    b',' | b']' | b'}' | b' ' | b'\t' | b'\r' | b'\n' if depth == 0 && started => {
                        end = Some(i);
                        break;
                    }
                    b'\n' => newlines += 1,
                    _ => {}
                }
                started = true;
            }
            let take = end.unwrap_or(chunk.len());
            buf.extend_from_slice(&chunk[..take]);
            self.r.consume(take);
            self.line += newlines;
            if end.is_some() {
                self.state = ArrayState::After;
                return Some(Ok(start_line));
            }
            if buf.len() > MAX_RECORD_BYTES {
                return fatal(
                    start_line,
                    format!(
                        "this record is longer than {} MiB; the rest of the file is not read",
                        MAX_RECORD_BYTES >> 20
                    ),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    type Records = Vec<Result<(usize, String), SourceError>>;

    fn records(input: &[u8]) -> (Option<Container>, Records) {
        // A tiny read buffer, so that records straddle buffer boundaries.
        let r = io::BufReader::with_capacity(3, input);
        let Some(mut rr) = RecordReader::new(r).unwrap() else { return (None, vec![]) };
        let mut out = Vec::new();
        let mut buf = Vec::new();
        while let Some(r) = rr.next_record(&mut buf) {
            out.push(r.map(|line| (line, String::from_utf8(buf.clone()).unwrap())));
        }
        // Read in place, records straddle the buffer (copied) or lie in it (not): the same.
        for capacity in [3, 16, 4096] {
            assert_eq!(records_in_place(input, capacity), out, "read buffer of {capacity} bytes");
        }
        (Some(rr.container()), out)
    }

    fn records_in_place(input: &[u8], capacity: usize) -> Records {
        let r = io::BufReader::with_capacity(capacity, input);
        let mut rr = RecordReader::new(r).unwrap().unwrap();
        let mut out = Vec::new();
        let mut buf = Vec::new();
        while let Some(r) = rr.next_record_ref(&mut buf) {
            out.push(r.map(|(line, bytes)| (line, String::from_utf8(bytes.to_vec()).unwrap())));
        }
        out
    }

    #[test]
    fn lines_skip_blank_lines_bom_and_crlf() {
        let (c, recs) = records(b"\xEF\xBB\xBF{\"a\":1}\r\n\r\n   \n{\"b\":2}\n{\"c\":3}");
        assert_eq!(c, Some(Container::Lines));
        let recs: Vec<_> = recs.into_iter().map(Result::unwrap).collect();
        assert_eq!(
            recs,
            [(1, "{\"a\":1}".to_string()), (4, "{\"b\":2}".to_string()), (5, "{\"c\":3}".to_string())]
        );
    }

    #[test]
    fn lines_with_crs_bom_and_blank_lines_in_one_buffer() {
        let input =
            b"{\"a\":1}\r\r\n\xEF\xBB\xBF\r\n \t\n\xEF\xBB\xBF{\"b\":2}\n\n{\"c\":\"\r\"}\r\n{\"d\":4}";
        let (_, recs) = records(input);
        let recs: Vec<_> = recs.into_iter().map(Result::unwrap).collect();
        assert_eq!(
            recs,
            [
                (1, "{\"a\":1}".to_string()),
                (4, "{\"b\":2}".to_string()),
                (6, "{\"c\":\"\r\"}".to_string()),
                (7, "{\"d\":4}".to_string())
            ]
        );
    }

    #[test]
    fn leading_blank_lines_keep_the_line_numbers() {
        let (_, recs) = records(b"\n\n{\"a\":1}\n");
        assert_eq!(recs, [Ok((3, "{\"a\":1}".to_string()))]);
    }

    #[test]
    fn empty_and_blank_files_have_no_container() {
        assert_eq!(records(b"").0, None);
        assert_eq!(records(b"\xEF\xBB\xBF \r\n\n").0, None);
    }

    #[test]
    fn array_elements_with_their_start_lines() {
        let input =
            b"[\n  {\"a\": \"x, ]}\\\" {\"},\n  {\"b\": [1, {\"c\": 2}]\n  },\n  3, \"s]\" , null\n]\n";
        let (c, recs) = records(input);
        assert_eq!(c, Some(Container::Array));
        let recs: Vec<_> = recs.into_iter().map(Result::unwrap).collect();
        assert_eq!(
            recs,
            [
                (2, "{\"a\": \"x, ]}\\\" {\"}".to_string()),
                (3, "{\"b\": [1, {\"c\": 2}]\n  }".to_string()),
                (5, "3".to_string()),
                (5, "\"s]\"".to_string()),
                (5, "null".to_string()),
            ]
        );
    }

    #[test]
    fn empty_array_has_no_records() {
        let (c, recs) = records(b" [ ] \n");
        assert_eq!(c, Some(Container::Array));
        assert!(recs.is_empty());
    }

    #[test]
    fn broken_arrays_give_located_fatal_errors() {
        let (_, recs) = records(b"[\n{\"a\":1}\n{\"b\":2}]");
        assert!(recs[0].is_ok());
        let e = recs[1].as_ref().unwrap_err();
        assert_eq!((e.line, e.fatal), (3, true));
        assert!(e.message.contains("expected ','"), "{e:?}");
        assert_eq!(recs.len(), 2);

        let (_, recs) = records(b"[\n{\"a\":1},\n{\"b\": \"never closed}\n]\n");
        let e = recs[1].as_ref().unwrap_err();
        assert_eq!(e.line, 3);
        assert!(e.message.contains("ends inside this record"), "{e:?}");

        let (_, recs) = records(b"[{\"a\":1},]");
        assert!(recs[1].as_ref().unwrap_err().message.contains("before the closing"));

        let (_, recs) = records(b"[{\"a\":1}]\n\n{\"b\":1}");
        let e = recs[1].as_ref().unwrap_err();
        assert_eq!(e.line, 3);
        assert!(e.message.contains("after the closing"));

        let (_, recs) = records(b"[{\"a\":1},\n");
        assert!(recs[1].as_ref().unwrap_err().message.contains("before the JSON array is closed"));
    }
}
