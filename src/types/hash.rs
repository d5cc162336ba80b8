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
