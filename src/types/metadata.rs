//! Core metadata (to be written)
