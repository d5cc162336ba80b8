//! index (to be written)
