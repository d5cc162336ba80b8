//! ops (to be written)
