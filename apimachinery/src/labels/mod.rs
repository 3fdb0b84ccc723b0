//! labels (in progress).
