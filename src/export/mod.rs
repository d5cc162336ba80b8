//! export (to be written)
