#!/usr/bin/env bash
# Starts a local cluster. Today it installs what is missing, builds every component and says which
# ones exist; the components start here as they gain their serving code.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$KUBE_ROOT"

install_build_deps
log "building the components"
cargo build --workspace --bins --quiet

bin="$CARGO_TARGET_DIR/debug"
for c in kube-apiserver kube-controller-manager kube-scheduler kubelet; do
  printf '%-26s %s (%s)\n' "$c" "$("$bin/$c" --version)" "$bin/$c"
done
printf '%-26s %s (%s)\n' kubectl "$("$bin/kubectl" version --client)" "$bin/kubectl"
echo
echo "The components are built; none of them serves yet, so no cluster is started."
