//! install (to be written)
