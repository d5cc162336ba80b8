//! resolver (to be written)
