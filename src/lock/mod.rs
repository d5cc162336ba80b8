//! lock (to be written)
