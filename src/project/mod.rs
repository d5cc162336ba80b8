//! project (to be written)
