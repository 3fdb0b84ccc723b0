//! jsonpath (in progress).
