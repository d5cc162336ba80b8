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
