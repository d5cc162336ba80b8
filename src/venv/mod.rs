//! venv (to be written)
