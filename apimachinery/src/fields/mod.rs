//! fields (in progress).
