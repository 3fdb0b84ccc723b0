//! errors (in progress).
