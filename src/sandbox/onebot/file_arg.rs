//! The `file` parameter of the upload actions, decoded while the body streams in.
//!
//! The document says `file` is "本地文件路径、文件base64或文件url": an absolute local path, a
//! `base64://…` string, or an http URL. The simulator decodes `base64://` content chunk by chunk
//! (the caller writes the bytes to disk) and keeps anything else, truncated, only to name it in
//! the refusal: a gateway must never send a path or a URL.

/// The prefix of base64 content (document: "文件base64为base64://开头").
const BASE64_PREFIX: &[u8] = b"base64://";
/// How much of a non-base64 `file` value is kept for the error message.
const OTHER_KEEP: usize = 512;

/// Receives the decoded characters of the `file` string value, in order, across chunks.
#[derive(Default)]
pub(crate) struct FileSink {
    mode: Mode,
    /// Decoded file bytes produced since the caller last drained them.
    pub out: Vec<u8>,
}

#[derive(Default)]
enum Mode {
    /// No `file` value seen yet.
    #[default]
    Idle,
    /// Inside the value, before the prefix is decided.
    Prefix(Vec<u8>),
    Base64(Base64Decoder),
    Other(Vec<u8>),
    /// The value ended.
    Done(Outcome),
}

/// What the `file` value turned out to be.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Outcome {
    /// `base64://` content; its bytes went through [`FileSink::out`].
    Base64,
    /// A path, URL or anything else (possibly truncated).
    Other(String),
}

/// Why the `file` value cannot be used.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum SinkError {
    Duplicate,
    InvalidBase64,
}

impl FileSink {
    /// A `file` value starts.
    pub fn begin(&mut self) -> Result<(), SinkError> {
        match self.mode {
            Mode::Idle => {
                self.mode = Mode::Prefix(Vec::with_capacity(BASE64_PREFIX.len()));
                Ok(())
            }
            _ => Err(SinkError::Duplicate),
        }
    }

    /// More decoded characters of the value.
    pub fn feed(&mut self, mut bytes: &[u8]) -> Result<(), SinkError> {
        if let Mode::Prefix(prefix) = &mut self.mode {
            let take = (BASE64_PREFIX.len() - prefix.len()).min(bytes.len());
            prefix.extend_from_slice(&bytes[..take]);
            bytes = &bytes[take..];
            if prefix.len() == BASE64_PREFIX.len() {
                self.mode = if prefix.as_slice() == BASE64_PREFIX {
                    Mode::Base64(Base64Decoder::default())
                } else {
                    Mode::Other(std::mem::take(prefix))
                };
            }
        }
        match &mut self.mode {
            Mode::Base64(decoder) => decoder
                .feed(bytes, &mut self.out)
                .map_err(|()| SinkError::InvalidBase64),
            Mode::Other(kept) => {
                let room = OTHER_KEEP.saturating_sub(kept.len()).min(bytes.len());
                kept.extend_from_slice(&bytes[..room]);
                Ok(())
            }
            _ => Ok(()),
        }
    }

    /// The value ended.
    pub fn end(&mut self) -> Result<(), SinkError> {
        let outcome = match std::mem::take(&mut self.mode) {
            Mode::Base64(mut decoder) => {
                decoder
                    .finish(&mut self.out)
                    .map_err(|()| SinkError::InvalidBase64)?;
                Outcome::Base64
            }
            Mode::Prefix(kept) | Mode::Other(kept) => {
                Outcome::Other(String::from_utf8_lossy(&kept).into_owned())
            }
            Mode::Idle | Mode::Done(_) => return Err(SinkError::Duplicate),
        };
        self.mode = Mode::Done(outcome);
        Ok(())
    }

    /// What the value was, once it ended.
    pub fn outcome(&self) -> Option<&Outcome> {
        match &self.mode {
            Mode::Done(outcome) => Some(outcome),
            _ => None,
        }
    }

    /// True while decoded bytes may still be produced (the caller opens its file lazily).
    pub fn is_base64(&self) -> bool {
        matches!(self.mode, Mode::Base64(_) | Mode::Done(Outcome::Base64))
    }
}

/// Standard-alphabet base64, decoded incrementally. ASCII whitespace is skipped; padding is
/// optional at the very end; anything else (URL-safe characters, data after padding) is an
/// error. Shamrock hands the string to a platform decoder the document does not name; the
/// simulator is strict so that a gateway's encoding mistakes show up.
#[derive(Default)]
pub(crate) struct Base64Decoder {
    acc: u32,
    n: u8,
    pad: u8,
}

const INVALID: u8 = 0xff;

const fn decode_table() -> [u8; 256] {
    let mut table = [INVALID; 256];
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut i = 0;
    while i < 64 {
        table[alphabet[i] as usize] = i as u8;
        i += 1;
    }
    table
}

static TABLE: [u8; 256] = decode_table();

impl Base64Decoder {
    pub fn feed(&mut self, input: &[u8], out: &mut Vec<u8>) -> Result<(), ()> {
        out.reserve(input.len() / 4 * 3 + 3);
        for &c in input {
            if c.is_ascii_whitespace() {
                continue;
            }
            if c == b'=' {
                // "xx==" or "xxx=": padding completes the current quad.
                if self.n < 2 || usize::from(self.n + self.pad) >= 4 {
                    return Err(());
                }
                self.pad += 1;
                continue;
            }
            if self.pad > 0 {
                return Err(());
            }
            let value = TABLE[usize::from(c)];
            if value == INVALID {
                return Err(());
            }
            self.acc = (self.acc << 6) | u32::from(value);
            self.n += 1;
            if self.n == 4 {
                out.extend_from_slice(&[
                    (self.acc >> 16) as u8,
                    (self.acc >> 8) as u8,
                    self.acc as u8,
                ]);
                self.acc = 0;
                self.n = 0;
            }
        }
        Ok(())
    }

    pub fn finish(&mut self, out: &mut Vec<u8>) -> Result<(), ()> {
        if self.pad > 0 && self.n + self.pad != 4 {
            return Err(());
        }
        match self.n {
            0 => {}
            2 => out.push((self.acc >> 4) as u8),
            3 => out.extend_from_slice(&[(self.acc >> 10) as u8, (self.acc >> 2) as u8]),
            _ => return Err(()),
        }
        self.acc = 0;
        self.n = 0;
        self.pad = 0;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode_in_pieces(text: &str, piece: usize) -> Result<Vec<u8>, ()> {
        let mut decoder = Base64Decoder::default();
        let mut out = Vec::new();
        for chunk in text.as_bytes().chunks(piece) {
            decoder.feed(chunk, &mut out)?;
        }
        decoder.finish(&mut out)?;
        Ok(out)
    }

    #[test]
    fn base64_decodes_the_same_whatever_the_chunking() {
        for piece in [1, 2, 3, 5, 64] {
            assert_eq!(
                decode_in_pieces("aGVsbG8gd29ybGQ=", piece),
                Ok(b"hello world".to_vec())
            );
            assert_eq!(
                decode_in_pieces("aGVsbG8gd29ybA==", piece),
                Ok(b"hello worl".to_vec())
            );
            assert_eq!(
                decode_in_pieces("aGVsbG8gd29ybA", piece),
                Ok(b"hello worl".to_vec())
            );
            assert_eq!(decode_in_pieces("aGVs\nbG8=", piece), Ok(b"hello".to_vec()));
            assert_eq!(decode_in_pieces("", piece), Ok(Vec::new()));
        }
    }

    #[test]
    fn base64_refuses_bad_characters_misplaced_padding_and_lone_characters() {
        assert!(decode_in_pieces("aGVs-G8=", 3).is_err());
        assert!(decode_in_pieces("aG=sbG8=", 3).is_err());
        assert!(decode_in_pieces("aGVsbG8=aGVs", 3).is_err());
        assert!(decode_in_pieces("aGVsb", 3).is_err());
        assert!(decode_in_pieces("aGVsbG8===", 3).is_err());
    }

    #[test]
    fn the_sink_tells_base64_from_a_path_or_url() {
        let mut sink = FileSink::default();
        sink.begin().unwrap();
        for piece in [&b"base"[..], b"64:", b"//aGk", b"="] {
            sink.feed(piece).unwrap();
        }
        sink.end().unwrap();
        assert_eq!(sink.outcome(), Some(&Outcome::Base64));
        assert_eq!(sink.out, b"hi");

        let mut sink = FileSink::default();
        sink.begin().unwrap();
        sink.feed(b"/etc/passwd").unwrap();
        sink.end().unwrap();
        assert_eq!(sink.outcome(), Some(&Outcome::Other("/etc/passwd".into())));
        assert_eq!(sink.begin(), Err(SinkError::Duplicate));
    }
}
