#!/usr/bin/env bash
# Shared helpers for the hack/ scripts: where the repo and the build output live, and installing
# what the scripts need on a fresh Debian machine.

KUBE_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# The cargo target dir lives outside the clone so fresh clones (CI) reuse earlier builds.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/k8s-rs-target}"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"

log() { printf '+++ %s\n' "$*" >&2; }

# apt_install PKG... installs the Debian packages that are missing, running `apt-get update` once.
apt_install() {
  local missing=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  log "installing ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# The Debian packages every build and test needs.
install_build_deps() {
  apt_install protobuf-compiler libprotobuf-dev
  command -v cargo >/dev/null || { echo "cargo is required (rustup toolchain)" >&2; exit 1; }
}
