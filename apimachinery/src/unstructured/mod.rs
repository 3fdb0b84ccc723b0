//! unstructured (in progress).
