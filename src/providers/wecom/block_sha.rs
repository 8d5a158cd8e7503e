//! WeDrive's "cumulative block SHA" (分块累积sha) for `file_upload_init`.
//!
//! Rule (upstream-docs/README.md, from WeCom's reference tool wecomopen/file_block_digest): the
//! file is cut into 2 MiB blocks; one SHA-1 context runs over the whole file, never reset. For
//! every block but the last, the entry is the raw SHA-1 state h0..h4 right after that block —
//! no padding, no finalisation — written as five *little-endian* u32 words in hex. The last
//! entry is the ordinary SHA-1 hex digest of the whole file. One block ⇒ one entry, the plain
//! SHA-1. We drive the compression function ourselves so the state is observable, and pad the
//! final block by hand, which gives the digest without hashing the file twice.

use sha1::digest::generic_array::GenericArray;

/// WeDrive's block size: 2 MiB. Parts of a chunked upload are exactly these blocks.
pub const BLOCK_SIZE: u64 = 2 * 1024 * 1024;

const H0: [u32; 5] = [0x6745_2301, 0xEFCD_AB89, 0x98BA_DCFE, 0x1032_5476, 0xC3D2_E1F0];

/// Incremental computation of the block-SHA list; feed bytes in any chunking.
#[derive(Clone)]
pub struct BlockSha {
    state: [u32; 5],
    pending: Vec<u8>,
    total: u64,
    midstates: Vec<String>,
}

impl Default for BlockSha {
    fn default() -> Self {
        Self::new()
    }
}

impl BlockSha {
    pub fn new() -> Self {
        Self {
            state: H0,
            pending: Vec::with_capacity(64),
            total: 0,
            midstates: Vec::new(),
        }
    }

    pub fn update(&mut self, mut data: &[u8]) {
        while !data.is_empty() {
            // Never let one compression step straddle a 2 MiB boundary: the boundary is a
            // multiple of 64, so stopping there keeps the snapshot exact.
            let to_boundary = BLOCK_SIZE - self.total % BLOCK_SIZE;
            let take = data.len().min(usize::try_from(to_boundary).unwrap_or(usize::MAX));
            let (now, rest) = data.split_at(take);
            self.absorb(now);
            data = rest;
            if self.total % BLOCK_SIZE == 0 {
                self.midstates.push(le_hex(&self.state));
            }
        }
    }

    fn absorb(&mut self, mut data: &[u8]) {
        self.total += data.len() as u64;
        if !self.pending.is_empty() {
            let need = 64 - self.pending.len();
            let take = need.min(data.len());
            self.pending.extend_from_slice(&data[..take]);
            data = &data[take..];
            if self.pending.len() < 64 {
                return;
            }
            let block = std::mem::take(&mut self.pending);
            sha1::compress(&mut self.state, &[*GenericArray::from_slice(&block)]);
            self.pending = block;
            self.pending.clear();
        }
        let mut chunks = data.chunks_exact(64);
        for block in &mut chunks {
            sha1::compress(&mut self.state, &[*GenericArray::from_slice(block)]);
        }
        self.pending.extend_from_slice(chunks.remainder());
    }

    /// Total bytes fed so far.
    pub fn len(&self) -> u64 {
        self.total
    }

    pub fn is_empty(&self) -> bool {
        self.total == 0
    }

    /// The plain SHA-1 hex digest of everything fed so far.
    pub fn digest_hex(&self) -> String {
        let mut state = self.state;
        let mut tail = self.pending.clone();
        tail.push(0x80);
        while tail.len() % 64 != 56 {
            tail.push(0);
        }
        tail.extend_from_slice(&(self.total.wrapping_mul(8)).to_be_bytes());
        for block in tail.chunks_exact(64) {
            sha1::compress(&mut state, &[*GenericArray::from_slice(block)]);
        }
        state.iter().map(|w| format!("{w:08x}")).collect()
    }

    /// The `block_sha` array: one entry per 2 MiB block (at least one).
    pub fn finish(&self) -> Vec<String> {
        let blocks = self.total.div_ceil(BLOCK_SIZE).max(1);
        let keep = usize::try_from(blocks - 1).unwrap_or(usize::MAX);
        let mut out: Vec<String> = self.midstates.iter().take(keep).cloned().collect();
        out.push(self.digest_hex());
        out
    }
}

fn le_hex(state: &[u32; 5]) -> String {
    state
        .iter()
        .flat_map(|w| w.to_le_bytes())
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The `block_sha` array of a byte slice (for simulators and tests).
pub fn block_sha(data: &[u8]) -> Vec<String> {
    let mut h = BlockSha::new();
    h.update(data);
    h.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use sha1::{Digest, Sha1};

    fn upstream_vector_content() -> Vec<u8> {
        b"1234567890\r\n"
            .iter()
            .copied()
            .cycle()
            .take(5_999_998)
            .collect()
    }

    #[test]
    fn matches_the_published_upstream_test_vector() {
        assert_eq!(
            block_sha(&upstream_vector_content()),
            vec![
                "5186fee37e9f7e77a1f6bea8d4e32638d5186d44",
                "cf540965f3190bc0c6367147ab0ac64dc9eff6a0",
                "bda1e884e1cb23a5cbdea73d2e00e23baa72d2f5",
            ]
        );
    }

    #[test]
    fn chunking_of_the_input_does_not_change_the_result() {
        let data = upstream_vector_content();
        for chunk in [1usize, 63, 64, 65, 4096, 1_000_003] {
            let mut h = BlockSha::new();
            for c in data.chunks(chunk) {
                h.update(c);
            }
            assert_eq!(h.finish(), block_sha(&data), "chunk size {chunk}");
        }
    }

    #[test]
    fn last_entry_is_the_plain_sha1_of_the_whole_file() {
        for len in [1usize, 55, 56, 64, 119, 2 * 1024 * 1024, 2 * 1024 * 1024 + 1, 4 * 1024 * 1024] {
            let data: Vec<u8> = (0..len).map(|i| (i * 7 % 251) as u8).collect();
            let entries = block_sha(&data);
            assert_eq!(entries.len() as u64, (len as u64).div_ceil(BLOCK_SIZE));
            assert_eq!(entries.last().unwrap(), &hex::encode(Sha1::digest(&data)), "len {len}");
        }
    }

    #[test]
    fn midstate_is_little_endian_not_the_big_endian_serialisation() {
        let first = &block_sha(&upstream_vector_content())[0];
        assert!(!first.starts_with("e3fe8651"));
    }
}
