//! sha256 digests as lowercase hex, the form simple indexes (PEP 503/691) and
//! `--hash=sha256:` lines use.

use sha2::{Digest, Sha256};
use std::io::Read;

/// A sha256 digest in lowercase hex (64 characters).
pub type Sha256Hex = String;

/// Hash a byte slice; returns 64 lowercase hex characters.
pub fn sha256_bytes(bytes: &[u8]) -> Sha256Hex {
    hex::encode(Sha256::digest(bytes))
}

/// Hash everything `reader` yields.
///
/// Returns the digest in lowercase hex and the number of bytes read.
///
/// # Errors
/// Any I/O error from `reader`.
pub fn sha256_reader(mut reader: impl Read) -> std::io::Result<(Sha256Hex, u64)> {
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 64 * 1024];
    let mut total = 0u64;
    loop {
        let n = reader.read(&mut buf)?;
        if n == 0 {
            break;
        }
        total += n as u64;
        hasher.update(&buf[..n]);
    }
    Ok((hex::encode(hasher.finalize()), total))
}

/// URL-safe base64 without padding (RFC 4648 §5): the digest form of
/// RECORD rows and of `.dist-info` hashes (binary distribution format spec).
pub fn b64_urlsafe_nopad(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        let chars = chunk.len() + 1;
        for i in 0..chars {
            let idx = (n >> (18 - 6 * i)) & 0x3f;
            out.push(char::from(ALPHABET[idx as usize]));
        }
    }
    out
}

/// A hash algorithm a lock file names for a distribution file. envy locks
/// record sha256 only (the one algorithm every simple index gives, PEP 503/691).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum HashAlgorithm {
    /// SHA-256 (FIPS 180-4).
    Sha256,
}

impl HashAlgorithm {
    /// The name used in lock files, `--hash=` lines and URL fragments.
    pub fn name(self) -> &'static str {
        match self {
            HashAlgorithm::Sha256 => "sha256",
        }
    }
}

/// A distribution file's hash: its algorithm and its digest in hex.
///
/// The digest is validated when the hash is made: it is non-empty and all
/// ASCII hex digits, the rule the index client applies to the hashes it
/// reads from index pages (a digest of another length than the algorithm's
/// can never match at download, where it is reported as a mismatch). It is
/// kept exactly as written, so a lock that is read and written again is
/// byte-identical.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FileHash {
    algorithm: HashAlgorithm,
    digest: String,
}

impl FileHash {
    /// A sha256 hash from its hex digest.
    ///
    /// # Errors
    /// When `digest` is empty or holds anything but ASCII hex digits; the
    /// message says which (without quoting the digest).
    pub fn sha256(digest: &str) -> Result<Self, String> {
        if digest.is_empty() {
            return Err("the digest is empty".to_string());
        }
        if let Some(c) = digest.chars().find(|c| !c.is_ascii_hexdigit()) {
            return Err(format!("`{c}` is not a hex digit"));
        }
        Ok(Self {
            algorithm: HashAlgorithm::Sha256,
            digest: digest.to_string(),
        })
    }

    /// The algorithm.
    pub fn algorithm(&self) -> HashAlgorithm {
        self.algorithm
    }

    /// The digest in hex, as written.
    pub fn digest(&self) -> &str {
        &self.digest
    }
}

/// `sha256:<hex>`, the form of pip's `--hash=` option.
impl std::fmt::Display for FileHash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.algorithm.name(), self.digest)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_hash_is_validated_and_kept_as_written() {
        let h = FileHash::sha256("00Ab").unwrap();
        assert_eq!(h.digest(), "00Ab");
        assert_eq!(h.algorithm(), HashAlgorithm::Sha256);
        assert_eq!(h.to_string(), "sha256:00Ab");
        assert!(FileHash::sha256("").is_err());
        assert!(FileHash::sha256("00zz").is_err());
    }
}
