//! Integration tests of the `client` crate (REST client, typed and dynamic APIs, discovery)
//! against an in-process kube-apiserver on a random loopback port; the cases live in
//! `tests/it`.
