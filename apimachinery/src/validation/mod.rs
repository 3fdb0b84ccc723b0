//! validation (in progress).
