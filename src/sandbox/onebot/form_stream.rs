//! A streaming parser for `application/x-www-form-urlencoded` bodies and query strings.
//!
//! OneBot implementations accept action parameters as a query string (GET) or a form body as
//! well as JSON (README, OneBot section). As with JSON, the `file` value is percent-decoded
//! straight into a [`FileSink`] so a large base64 upload is never held in memory; every other
//! value becomes a JSON string (numeric strings are accepted where numbers are expected).

use serde_json::{Map, Value};

use super::file_arg::{FileSink, SinkError};
use super::json_stream::ScanError;

/// Upper bound on all keys and non-`file` values together.
const TEXT_LIMIT: usize = 1 << 20;

#[derive(Clone, Copy, PartialEq)]
enum Percent {
    None,
    /// Seen `%`.
    Start,
    /// Seen `%` and one hex digit (kept as written).
    One(u8),
}

pub(crate) struct FormScanner {
    in_value: bool,
    /// The current value streams into the sink.
    file: bool,
    key: Vec<u8>,
    value: Vec<u8>,
    text_total: usize,
    percent: Percent,
    pub map: Map<String, Value>,
    pub sink: FileSink,
}

impl FormScanner {
    pub fn new() -> Self {
        Self {
            in_value: false,
            file: false,
            key: Vec::new(),
            value: Vec::new(),
            text_total: 0,
            percent: Percent::None,
            map: Map::new(),
            sink: FileSink::default(),
        }
    }

    pub fn feed(&mut self, chunk: &[u8]) -> Result<(), ScanError> {
        let mut i = 0;
        while i < chunk.len() {
            if self.file && self.percent == Percent::None {
                // Fast path through the (long) file value.
                let rest = &chunk[i..];
                let stop = rest
                    .iter()
                    .position(|&b| matches!(b, b'&' | b'%' | b'+'))
                    .unwrap_or(rest.len());
                self.sink.feed(&rest[..stop])?;
                i += stop;
                if i == chunk.len() {
                    break;
                }
            }
            if self.step(chunk[i])? {
                i += 1;
            }
        }
        Ok(())
    }

    pub fn finish(mut self) -> Result<(Map<String, Value>, FileSink), ScanError> {
        self.end_pair()?;
        Ok((self.map, self.sink))
    }

    /// One byte; answers whether it was consumed (an invalid percent escape is kept literally,
    /// as `form_urlencoded` does, and the byte after it is processed afresh).
    fn step(&mut self, b: u8) -> Result<bool, ScanError> {
        match self.percent {
            Percent::Start => {
                if b.is_ascii_hexdigit() {
                    self.percent = Percent::One(b);
                    return Ok(true);
                }
                self.percent = Percent::None;
                self.emit(b'%')?;
                return Ok(false);
            }
            Percent::One(first) => {
                self.percent = Percent::None;
                if let (Some(high), Some(low)) = (hex(first), hex(b)) {
                    self.emit(high << 4 | low)?;
                    return Ok(true);
                }
                self.emit(b'%')?;
                self.emit(first)?;
                return Ok(false);
            }
            Percent::None => {}
        }
        match b {
            b'&' => self.end_pair()?,
            b'=' if !self.in_value => {
                self.in_value = true;
                if self.key == b"file" {
                    self.sink.begin()?;
                    self.file = true;
                }
            }
            b'%' => self.percent = Percent::Start,
            b'+' => self.emit(b' ')?,
            _ => self.emit(b)?,
        }
        Ok(true)
    }

    fn emit(&mut self, b: u8) -> Result<(), ScanError> {
        if self.file {
            return Ok(self.sink.feed(&[b])?);
        }
        self.text_total += 1;
        if self.text_total > TEXT_LIMIT {
            return Err(ScanError::TooLarge);
        }
        if self.in_value {
            self.value.push(b);
        } else {
            self.key.push(b);
        }
        Ok(())
    }

    fn end_pair(&mut self) -> Result<(), ScanError> {
        match self.percent {
            Percent::None => {}
            Percent::Start => self.emit(b'%')?,
            Percent::One(first) => {
                self.emit(b'%')?;
                self.emit(first)?;
            }
        }
        self.percent = Percent::None;
        if self.file {
            self.sink.end()?;
        } else if !self.key.is_empty() || self.in_value {
            let key = String::from_utf8_lossy(&self.key).into_owned();
            if key == "file" {
                return Err(ScanError::File(SinkError::Duplicate));
            }
            let value = String::from_utf8_lossy(&self.value).into_owned();
            self.map.insert(key, Value::String(value));
        }
        self.key.clear();
        self.value.clear();
        self.in_value = false;
        self.file = false;
        Ok(())
    }
}

fn hex(b: u8) -> Option<u8> {
    char::from(b)
        .to_digit(16)
        .and_then(|d| u8::try_from(d).ok())
}

#[cfg(test)]
mod tests {
    use super::super::file_arg::Outcome;
    use super::*;
    use serde_json::json;

    fn scan(body: &str, piece: usize) -> (Value, Option<Outcome>, Vec<u8>) {
        let mut scanner = FormScanner::new();
        let mut decoded = Vec::new();
        for chunk in body.as_bytes().chunks(piece) {
            scanner.feed(chunk).unwrap();
            decoded.append(&mut scanner.sink.out);
        }
        let (map, sink) = scanner.finish().unwrap();
        decoded.extend_from_slice(&sink.out);
        (Value::Object(map), sink.outcome().cloned(), decoded)
    }

    #[test]
    fn form_pairs_decode_whatever_the_chunking() {
        for piece in [1, 2, 100] {
            let (map, outcome, _) = scan("group_id=12&name=a+b%20%E4%B8%AD&&flag&bad=%zz%4", piece);
            assert_eq!(
                map,
                json!({"group_id":"12","name":"a b 中","flag":"","bad":"%zz%4"})
            );
            assert_eq!(outcome, None);
        }
    }

    #[test]
    fn the_file_value_streams_into_the_sink() {
        for piece in [1, 4, 100] {
            let (map, outcome, decoded) = scan(
                "name=h.txt&file=base64%3A%2F%2FaGVs%2BG8%3D&group_id=1",
                piece,
            );
            assert_eq!(map, json!({"name":"h.txt","group_id":"1"}));
            assert_eq!(outcome, Some(Outcome::Base64));
            assert_eq!(decoded, [0x68, 0x65, 0x6c, 0xf8, 0x6f]);
        }
        let (_, outcome, _) = scan("file=http%3A%2F%2Fexample.com%2Fa", 3);
        assert_eq!(outcome, Some(Outcome::Other("http://example.com/a".into())));
    }
}
