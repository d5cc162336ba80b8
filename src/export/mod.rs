//! Renderers over a lock. Pure: they return text; `ops::export` writes it.
//!
//! - [`requirements`]: pip's requirements format with `--hash` options
//!   (pip's hash-checking mode).

pub mod requirements;
