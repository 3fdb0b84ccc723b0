#!/usr/bin/env bash
# Runs every test: installs what the tests need, checks formatting and lints, then runs the whole
# workspace's test suite. Usage: hack/test.sh [extra cargo test args]
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$KUBE_ROOT"

install_build_deps
# Real etcd (Debian etcd-server 3.4) for the etcd3 storage backend's run of the shared suite.
apt_install etcd-server
# openssl mints the local cluster's certificates for the end-to-end tests (test/e2e), which also
# fetch the real kubectl and helm (npm) and the official Python client (PyPI) on first use.
apt_install openssl

log "cargo fmt --check"
cargo fmt --all -- --check

log "cargo clippy (warnings are errors)"
cargo clippy --workspace --all-targets --quiet -- -D warnings

log "cargo test"
cargo test --workspace --quiet "$@" 2>&1 | tee "${TMPDIR:-/tmp}/k8s-rs-test.log"
summary=$(grep -E '^test result:' "${TMPDIR:-/tmp}/k8s-rs-test.log" | awk '{p+=$4; f+=$6; i+=$8} END {printf "%d passed, %d failed, %d skipped", p, f, i}')
echo "$summary"
