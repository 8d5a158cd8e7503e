//! A streaming parser for the JSON object body of a OneBot action.
//!
//! A 100 MB upload arrives as a ~134 MB JSON string (`"file":"base64://…"`). Parsing it with
//! serde would hold the whole body, the string and the decoded bytes at once; this scanner
//! instead walks the body chunk by chunk, hands the characters of the top-level `file` string
//! to a [`FileSink`] (which decodes base64 as it goes), and collects every other top-level
//! value as raw JSON text that serde parses afterwards (those are small: ids, names, echo).

use serde_json::{Map, Value};

use super::file_arg::{FileSink, SinkError};

/// Upper bound on the raw text of all non-`file` values together.
const RAW_LIMIT: usize = 1 << 20;

/// Why the body is not an acceptable JSON object.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum ScanError {
    Syntax(&'static str),
    TooLarge,
    File(SinkError),
}

impl From<SinkError> for ScanError {
    fn from(e: SinkError) -> Self {
        ScanError::File(e)
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum State {
    Start,
    /// After `{`: a key or `}`.
    KeyOrEnd,
    /// After `,`: a key.
    KeyStart,
    Key,
    Colon,
    Value,
    Raw,
    File,
    FileEscape,
    /// Inside `\uXXXX`: hex digits read so far.
    FileUnicode(u8),
    /// After a high surrogate: waiting for `\`, then `u`.
    FileSurrogateBackslash,
    FileSurrogateU,
    After,
    Done,
}

pub(crate) struct JsonScanner {
    state: State,
    key: Vec<u8>,
    key_escape: bool,
    raw: Vec<u8>,
    raw_total: usize,
    depth: u32,
    in_string: bool,
    escape: bool,
    unicode: u32,
    high_surrogate: Option<u32>,
    pub map: Map<String, Value>,
    pub sink: FileSink,
}

impl JsonScanner {
    pub fn new() -> Self {
        Self {
            state: State::Start,
            key: Vec::new(),
            key_escape: false,
            raw: Vec::new(),
            raw_total: 0,
            depth: 0,
            in_string: false,
            escape: false,
            unicode: 0,
            high_surrogate: None,
            map: Map::new(),
            sink: FileSink::default(),
        }
    }

    pub fn feed(&mut self, chunk: &[u8]) -> Result<(), ScanError> {
        let mut i = 0;
        while i < chunk.len() {
            if self.state == State::File {
                // Fast path through the (long) file string: hand over every run of plain
                // characters at once.
                let rest = &chunk[i..];
                let stop = rest
                    .iter()
                    .position(|&b| b == b'"' || b == b'\\' || b < 0x20)
                    .unwrap_or(rest.len());
                self.sink.feed(&rest[..stop])?;
                i += stop;
                if let Some(&b) = chunk.get(i) {
                    self.file_special(b)?;
                    i += 1;
                }
                continue;
            }
            if self.step(chunk[i])? {
                i += 1;
            }
        }
        Ok(())
    }

    /// The body ended: the object must be complete.
    pub fn finish(self) -> Result<(Map<String, Value>, FileSink), ScanError> {
        if self.state != State::Done {
            return Err(ScanError::Syntax("unexpected end of the JSON body"));
        }
        Ok((self.map, self.sink))
    }

    /// A quote, backslash or control byte inside the file string.
    fn file_special(&mut self, b: u8) -> Result<(), ScanError> {
        match b {
            b'"' => {
                self.sink.end()?;
                self.state = State::After;
                Ok(())
            }
            b'\\' => {
                self.state = State::FileEscape;
                Ok(())
            }
            b if b < 0x20 => Err(ScanError::Syntax("control character in a string")),
            b => Ok(self.sink.feed(&[b])?),
        }
    }

    /// One byte outside the file fast path; answers whether it was consumed (a byte that
    /// ends a bare number or `true`/`false`/`null` is handed to the next state).
    fn step(&mut self, b: u8) -> Result<bool, ScanError> {
        let ws = matches!(b, b' ' | b'\t' | b'\n' | b'\r');
        match self.state {
            State::Start => match b {
                _ if ws => {}
                b'{' => self.state = State::KeyOrEnd,
                _ => return Err(ScanError::Syntax("the body must be a JSON object")),
            },
            State::KeyOrEnd | State::KeyStart => match b {
                _ if ws => {}
                b'"' => {
                    self.key.clear();
                    self.state = State::Key;
                }
                b'}' if self.state == State::KeyOrEnd => self.state = State::Done,
                _ => return Err(ScanError::Syntax("expected a key")),
            },
            State::Key => {
                if self.key_escape {
                    self.key_escape = false;
                } else if b == b'\\' {
                    self.key_escape = true;
                } else if b == b'"' {
                    self.state = State::Colon;
                    return Ok(true);
                }
                if self.key.len() >= 1024 {
                    return Err(ScanError::TooLarge);
                }
                self.key.push(b);
            }
            State::Colon => match b {
                _ if ws => {}
                b':' => self.state = State::Value,
                _ => return Err(ScanError::Syntax("expected ':'")),
            },
            State::Value => {
                if ws {
                    return Ok(true);
                }
                if b == b'"' && self.key_text()? == "file" {
                    if self.map.contains_key("file") {
                        return Err(ScanError::File(SinkError::Duplicate));
                    }
                    self.sink.begin()?;
                    self.state = State::File;
                    return Ok(true);
                }
                self.raw.clear();
                self.depth = 0;
                self.in_string = false;
                self.escape = false;
                self.state = State::Raw;
                return Ok(false);
            }
            State::Raw => return self.raw_step(b, ws),
            State::File => self.file_special(b)?,
            State::FileEscape => {
                let c = match b {
                    b'"' => b'"',
                    b'\\' => b'\\',
                    b'/' => b'/',
                    b'b' => 0x08,
                    b'f' => 0x0c,
                    b'n' => b'\n',
                    b'r' => b'\r',
                    b't' => b'\t',
                    b'u' => {
                        self.unicode = 0;
                        self.state = State::FileUnicode(0);
                        return Ok(true);
                    }
                    _ => return Err(ScanError::Syntax("invalid escape")),
                };
                self.sink.feed(&[c])?;
                self.state = State::File;
            }
            State::FileUnicode(n) => {
                let digit = char::from(b)
                    .to_digit(16)
                    .ok_or(ScanError::Syntax("invalid \\u escape"))?;
                self.unicode = (self.unicode << 4) | digit;
                if n < 3 {
                    self.state = State::FileUnicode(n + 1);
                } else {
                    self.code_unit()?;
                }
            }
            State::FileSurrogateBackslash => {
                if b != b'\\' {
                    return Err(ScanError::Syntax("lone surrogate"));
                }
                self.state = State::FileSurrogateU;
            }
            State::FileSurrogateU => {
                if b != b'u' {
                    return Err(ScanError::Syntax("lone surrogate"));
                }
                self.unicode = 0;
                self.state = State::FileUnicode(0);
            }
            State::After => match b {
                _ if ws => {}
                b',' => self.state = State::KeyStart,
                b'}' => self.state = State::Done,
                _ => return Err(ScanError::Syntax("expected ',' or '}'")),
            },
            State::Done => {
                if !ws {
                    return Err(ScanError::Syntax("trailing data after the JSON object"));
                }
            }
        }
        Ok(true)
    }

    /// The current key, unescaped.
    fn key_text(&self) -> Result<String, ScanError> {
        let mut quoted = Vec::with_capacity(self.key.len() + 2);
        quoted.push(b'"');
        quoted.extend_from_slice(&self.key);
        quoted.push(b'"');
        serde_json::from_slice(&quoted).map_err(|_| ScanError::Syntax("invalid key"))
    }

    /// A complete `\uXXXX` inside the file string.
    fn code_unit(&mut self) -> Result<(), ScanError> {
        let unit = self.unicode;
        let code = match self.high_surrogate.take() {
            Some(high) => {
                if !(0xDC00..0xE000).contains(&unit) {
                    return Err(ScanError::Syntax("lone surrogate"));
                }
                0x10000 + ((high - 0xD800) << 10) + (unit - 0xDC00)
            }
            None if (0xD800..0xDC00).contains(&unit) => {
                self.high_surrogate = Some(unit);
                self.state = State::FileSurrogateBackslash;
                return Ok(());
            }
            None if (0xDC00..0xE000).contains(&unit) => {
                return Err(ScanError::Syntax("lone surrogate"));
            }
            None => unit,
        };
        let c = char::from_u32(code).ok_or(ScanError::Syntax("invalid \\u escape"))?;
        let mut utf8 = [0u8; 4];
        self.sink.feed(c.encode_utf8(&mut utf8).as_bytes())?;
        self.state = State::File;
        Ok(())
    }

    /// One byte of a non-`file` value, kept as raw JSON text.
    fn raw_step(&mut self, b: u8, ws: bool) -> Result<bool, ScanError> {
        if self.in_string {
            self.push_raw(b)?;
            if self.escape {
                self.escape = false;
            } else if b == b'\\' {
                self.escape = true;
            } else if b == b'"' {
                self.in_string = false;
                if self.depth == 0 {
                    self.end_raw()?;
                }
            }
            return Ok(true);
        }
        match b {
            b'"' => {
                self.push_raw(b)?;
                self.in_string = true;
            }
            b'{' | b'[' => {
                self.push_raw(b)?;
                self.depth += 1;
            }
            b'}' | b']' if self.depth > 0 => {
                self.push_raw(b)?;
                self.depth -= 1;
                if self.depth == 0 {
                    self.end_raw()?;
                }
            }
            // A bare scalar ends at the byte after it, which belongs to the next state.
            b'}' | b']' | b',' if self.depth == 0 => {
                self.end_raw()?;
                return Ok(false);
            }
            _ if ws && self.depth == 0 => {
                self.end_raw()?;
            }
            _ => self.push_raw(b)?,
        }
        Ok(true)
    }

    fn push_raw(&mut self, b: u8) -> Result<(), ScanError> {
        self.raw_total += 1;
        if self.raw_total > RAW_LIMIT {
            return Err(ScanError::TooLarge);
        }
        self.raw.push(b);
        Ok(())
    }

    /// A non-`file` value is complete: parse it and store it under its key.
    fn end_raw(&mut self) -> Result<(), ScanError> {
        let value: Value =
            serde_json::from_slice(&self.raw).map_err(|_| ScanError::Syntax("invalid value"))?;
        let key = self.key_text()?;
        if key == "file" && self.sink.outcome().is_some() {
            return Err(ScanError::File(SinkError::Duplicate));
        }
        self.map.insert(key, value);
        self.raw.clear();
        self.state = State::After;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::super::file_arg::Outcome;
    use super::*;
    use serde_json::json;

    fn scan(body: &str, piece: usize) -> Result<(Value, Option<Outcome>, Vec<u8>), ScanError> {
        let mut scanner = JsonScanner::new();
        let mut decoded = Vec::new();
        for chunk in body.as_bytes().chunks(piece) {
            scanner.feed(chunk)?;
            decoded.append(&mut scanner.sink.out);
        }
        let (map, sink) = scanner.finish()?;
        decoded.extend_from_slice(&sink.out);
        Ok((Value::Object(map), sink.outcome().cloned(), decoded))
    }

    #[test]
    fn small_values_parse_as_serde_would_whatever_the_chunking() {
        let body = r#" { "group_id" : 123, "name":"a \"b\" \u4e2d", "flag":true,"n":null,
            "obj":{"x":[1,{"y":"}"}]}, "neg":-1.5e3 ,"echo":"e"} "#;
        let expected: Value = serde_json::from_str(body).unwrap();
        for piece in [1, 2, 7, 1000] {
            let (map, outcome, _) = scan(body, piece).unwrap();
            assert_eq!(map, expected);
            assert_eq!(outcome, None);
        }
        assert_eq!(scan("{}", 1).unwrap().0, json!({}));
    }

    #[test]
    fn the_file_string_is_decoded_and_never_kept_in_the_map() {
        let body = r#"{"group_id":"1","file":"base64:\/\/aGVs\u0062G8=","name":"h.txt"}"#;
        for piece in [1, 3, 1000] {
            let (map, outcome, decoded) = scan(body, piece).unwrap();
            assert_eq!(map, json!({"group_id":"1","name":"h.txt"}));
            assert_eq!(outcome, Some(Outcome::Base64));
            assert_eq!(decoded, b"hello");
        }
        let (_, outcome, _) = scan(r#"{"file":"/tmp/\ud83d\ude00.txt"}"#, 2).unwrap();
        assert_eq!(outcome, Some(Outcome::Other("/tmp/😀.txt".into())));
    }

    #[test]
    fn malformed_bodies_are_refused() {
        for body in [
            "",
            "[]",
            "{",
            r#"{"a":1"#,
            r#"{"a" 1}"#,
            r#"{"a":1,}"#,
            r#"{"a":tru}"#,
            r#"{"a":1} x"#,
            r#"{"file":"base64://a\x"}"#,
            r#"{"file":"a","file":"b"}"#,
            r#"{"file":"\ud83d"}"#,
            "{\"file\":\"a\nb\"}",
            r#"{"file":"base64://a-b="}"#,
        ] {
            assert!(scan(body, 2).is_err(), "{body}");
        }
    }
}
