#!/usr/bin/env bash
# Starts a local control plane in the foreground: builds kube-apiserver, mints its certificates,
# starts it (over its embedded storage or a private etcd), writes an admin kubeconfig and waits
# until the server is ready. Ctrl-C stops everything it started.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

usage() {
  cat <<'EOF'
Usage: hack/local-up-cluster.sh [--dir DIR] [--storage embedded|etcd] [--only COMPONENTS]

Starts a local cluster in the foreground and stops everything it started on Ctrl-C or SIGTERM.

Options:
  --dir DIR          where certificates, data, logs and the kubeconfig live
                     (default: _output/local-up under the repository root). Starting again
                     with the same DIR reuses its certificates and its data.
  --storage BACKEND  embedded (default): kube-apiserver keeps its data in DIR/data;
                     etcd: a private etcd (Debian etcd-server) on loopback ports keeps it in
                     DIR/etcd and kube-apiserver talks to it with --etcd-servers.
  --only COMPONENTS  comma-separated components to start (default: all that serve today).
                     Known: apiserver. etcd starts whenever the etcd backend is chosen.
  -h, --help         print this help.

Environment:
  API_PORT           kube-apiserver's --secure-port (default 6443; 0 picks a free port)
  READY_TIMEOUT      seconds to wait for /readyz (default 60)
  SKIP_BUILD=1       use the kube-apiserver already built under $CARGO_TARGET_DIR/debug
  KUBE_APISERVER     run this kube-apiserver binary instead of building one
  APISERVER_ARGS     extra flags appended to kube-apiserver's command line
  STOP_ON_STDIN_EOF=1  also stop when standard input closes (for harnesses that spawn the script)

Files in DIR:
  admin.kubeconfig   cluster-admin credentials (user kubernetes-admin, group system:masters)
  certs/             ca.crt/ca.key, apiserver.crt/.key (serving), admin.crt/.key (client)
  logs/              kube-apiserver.log, etcd.log
  data/ or etcd/     the stored cluster state

Once the server answers /readyz the script prints one line for the shell:
  export KUBECONFIG=DIR/admin.kubeconfig
EOF
}

die() { printf 'local-up-cluster: %s\n' "$*" >&2; exit 1; }

DIR="$KUBE_ROOT/_output/local-up"
STORAGE=embedded
ONLY=apiserver
while [ $# -gt 0 ]; do
  case "$1" in
    --dir) [ $# -ge 2 ] || die "--dir needs a value"; DIR="$2"; shift 2 ;;
    --dir=*) DIR="${1#*=}"; shift ;;
    --storage) [ $# -ge 2 ] || die "--storage needs a value"; STORAGE="$2"; shift 2 ;;
    --storage=*) STORAGE="${1#*=}"; shift ;;
    --only) [ $# -ge 2 ] || die "--only needs a value"; ONLY="$2"; shift 2 ;;
    --only=*) ONLY="${1#*=}"; shift ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; die "unknown argument: $1" ;;
  esac
done
case "$STORAGE" in embedded | etcd) ;; *) die "--storage must be embedded or etcd, not \"$STORAGE\"" ;; esac
START_APISERVER=false
IFS=',' read -r -a components <<<"$ONLY"
for c in "${components[@]}"; do
  case "$c" in
    apiserver | kube-apiserver) START_APISERVER=true ;;
    controller-manager | kube-controller-manager | scheduler | kube-scheduler | kubelet)
      log "$c does not serve yet; not started" ;;
    *) die "unknown component \"$c\" in --only (known: apiserver)" ;;
  esac
done

API_PORT="${API_PORT:-6443}"
READY_TIMEOUT="${READY_TIMEOUT:-60}"
API_HOST=127.0.0.1

mkdir -p "$DIR"
DIR="$(cd "$DIR" && pwd)"
CERTS="$DIR/certs"
LOGS="$DIR/logs"
mkdir -p "$CERTS" "$LOGS"

# One script per DIR: the storage files cannot be shared by two servers.
exec 9>"$DIR/.lock"
flock -n 9 || die "another local-up-cluster.sh is using $DIR"

# free_port prints a TCP port on loopback that nothing listens on right now.
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# port_in_use PORT succeeds when something already listens on 127.0.0.1:PORT.
port_in_use() {
  python3 - "$1" <<'PY'
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
try:
    s.bind(("127.0.0.1", int(sys.argv[1])))
except OSError:
    sys.exit(0)
sys.exit(1)
PY
}

# ---- build -------------------------------------------------------------------------------------
APISERVER_BIN="${KUBE_APISERVER:-$CARGO_TARGET_DIR/debug/kube-apiserver}"
if $START_APISERVER && [ "${SKIP_BUILD:-}" != 1 ] && [ -z "${KUBE_APISERVER:-}" ]; then
  install_build_deps
  log "building kube-apiserver"
  (cd "$KUBE_ROOT" && cargo build --quiet -p apiserver --bin kube-apiserver)
fi
if $START_APISERVER && [ ! -x "$APISERVER_BIN" ]; then
  die "$APISERVER_BIN is missing (build it, or drop SKIP_BUILD)"
fi

# ---- certificates ------------------------------------------------------------------------------
command -v openssl >/dev/null || apt_install openssl

# sign_cert NAME SUBJECT EXTENSIONS mints NAME.key and NAME.crt signed by the CA unless both exist.
sign_cert() {
  local name="$1" subject="$2" extensions="$3"
  [ -s "$CERTS/$name.crt" ] && [ -s "$CERTS/$name.key" ] && return 0
  log "minting $name certificate ($subject)"
  openssl req -new -nodes -newkey rsa:2048 -keyout "$CERTS/$name.key" -subj "$subject" \
    -out "$CERTS/$name.csr" 2>/dev/null
  openssl x509 -req -in "$CERTS/$name.csr" -CA "$CERTS/ca.crt" -CAkey "$CERTS/ca.key" \
    -set_serial "0x$(openssl rand -hex 16)" -days 365 -sha256 \
    -extfile <(printf '%s\n' "$extensions") -out "$CERTS/$name.crt" 2>/dev/null
  rm -f "$CERTS/$name.csr"
  chmod 600 "$CERTS/$name.key"
}

if [ ! -s "$CERTS/ca.crt" ] || [ ! -s "$CERTS/ca.key" ]; then
  log "minting the cluster CA"
  # Certificates signed by an earlier CA would no longer verify.
  rm -f "$CERTS"/*.crt "$CERTS"/*.key
  openssl req -x509 -new -nodes -newkey rsa:2048 -keyout "$CERTS/ca.key" -out "$CERTS/ca.crt" \
    -days 3650 -sha256 -subj "/CN=kubernetes-ca" \
    -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,digitalSignature,keyEncipherment,keyCertSign" 2>/dev/null
  chmod 600 "$CERTS/ca.key"
fi
HOSTNAME_SAN="$(hostname 2>/dev/null || echo localhost)"
sign_cert apiserver "/CN=kube-apiserver" "basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=DNS:localhost,IP:127.0.0.1,DNS:$HOSTNAME_SAN,IP:10.0.0.1,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local"
sign_cert admin "/O=system:masters/CN=kubernetes-admin" "basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=clientAuth"

# ---- processes ---------------------------------------------------------------------------------
PIDS=()
NAMES=()
WATCHER=""

# stop_all ends every process this script started, newest first, and waits for each.
stop_all() {
  trap - INT TERM EXIT
  [ -n "$WATCHER" ] && kill "$WATCHER" 2>/dev/null || true
  local i
  for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do
    if kill -0 "${PIDS[$i]}" 2>/dev/null; then
      log "stopping ${NAMES[$i]} (pid ${PIDS[$i]})"
      kill -TERM "${PIDS[$i]}" 2>/dev/null || true
      wait "${PIDS[$i]}" 2>/dev/null || true
    fi
  done
}
trap 'stop_all; exit 130' INT
trap 'stop_all; exit 143' TERM
trap 'stop_all' EXIT

# start NAME LOGFILE CMD... runs CMD in the background with its output in LOGFILE.
start() {
  local name="$1" logfile="$2"
  shift 2
  "$@" >>"$logfile" 2>&1 9>&- 3<&- </dev/null &
  PIDS+=("$!")
  NAMES+=("$name")
  log "$name started (pid $!), log: $logfile"
}

# fail_with_log NAME LOGFILE MESSAGE shows the end of a component's log and stops.
fail_with_log() {
  printf 'local-up-cluster: %s\n--- last lines of %s ---\n' "$3" "$2" >&2
  tail -n 40 "$2" >&2 || true
  printf -- '--- end of %s log ---\n' "$1" >&2
  exit 1
}

if [ "${STOP_ON_STDIN_EOF:-}" = 1 ]; then
  # The spawner holds our stdin open; when it goes away, so do we. A builtin read loop, so
  # killing the watcher leaves no child behind.
  exec 3<&0
  (while IFS= read -r _; do :; done <&3; kill -TERM $$ 2>/dev/null) 9>&- &
  WATCHER=$!
fi

ETCD_URL=""
if [ "$STORAGE" = etcd ]; then
  command -v etcd >/dev/null || apt_install etcd-server
  # Reuse this DIR's ports when they are free, so the member's recorded peer URL stays valid.
  ports_file="$DIR/etcd.ports"
  read -r client_port peer_port 2>/dev/null <"$ports_file" || true
  if [ -z "${client_port:-}" ] || [ -z "${peer_port:-}" ] || port_in_use "$client_port" ||
    port_in_use "$peer_port"; then
    client_port="$(free_port)"
    peer_port="$(free_port)"
    while [ "$peer_port" = "$client_port" ]; do peer_port="$(free_port)"; done
    echo "$client_port $peer_port" >"$ports_file"
  fi
  ETCD_URL="http://127.0.0.1:$client_port"
  start etcd "$LOGS/etcd.log" etcd --name local-up --data-dir "$DIR/etcd" \
    --listen-client-urls "$ETCD_URL" --advertise-client-urls "$ETCD_URL" \
    --listen-peer-urls "http://127.0.0.1:$peer_port" \
    --initial-advertise-peer-urls "http://127.0.0.1:$peer_port" \
    --initial-cluster "local-up=http://127.0.0.1:$peer_port" --initial-cluster-state new
  etcd_pid="${PIDS[-1]}"
  deadline=$((SECONDS + READY_TIMEOUT))
  until curl -fsS "$ETCD_URL/health" 2>/dev/null | grep -q '"health":"true"'; do
    kill -0 "$etcd_pid" 2>/dev/null || fail_with_log etcd "$LOGS/etcd.log" "etcd exited"
    [ "$SECONDS" -lt "$deadline" ] ||
      fail_with_log etcd "$LOGS/etcd.log" "etcd not healthy within ${READY_TIMEOUT}s"
    sleep 0.2
  done
  log "etcd is healthy at $ETCD_URL"
fi

if ! $START_APISERVER; then
  log "kube-apiserver not requested (--only $ONLY); nothing to wait for"
  wait
  exit 0
fi

if [ "$API_PORT" = 0 ]; then
  API_PORT="$(free_port)"
elif port_in_use "$API_PORT"; then
  die "port $API_PORT is in use; stop what listens there or set API_PORT (0 picks a free port)"
fi

storage_args=(--data-dir "$DIR/data")
[ "$STORAGE" = etcd ] && storage_args=(--etcd-servers "$ETCD_URL" --etcd-prefix /registry)
# shellcheck disable=SC2086 # APISERVER_ARGS is a flag list split on spaces on purpose.
start kube-apiserver "$LOGS/kube-apiserver.log" "$APISERVER_BIN" \
  --secure-port "$API_PORT" --bind-address "$API_HOST" --advertise-address "$API_HOST" \
  --cert-dir "$CERTS" --tls-cert-file "$CERTS/apiserver.crt" \
  --tls-private-key-file "$CERTS/apiserver.key" --client-ca-file "$CERTS/ca.crt" \
  --service-cluster-ip-range 10.0.0.0/24 "${storage_args[@]}" ${APISERVER_ARGS:-}
apiserver_pid="${PIDS[-1]}"

# The kubeconfig embeds the credentials so it stays usable when copied elsewhere.
b64() { base64 -w0 <"$1"; }
KUBECONFIG_FILE="$DIR/admin.kubeconfig"
cat >"$KUBECONFIG_FILE.tmp" <<EOF
apiVersion: v1
kind: Config
clusters:
- cluster:
    certificate-authority-data: $(b64 "$CERTS/ca.crt")
    server: https://$API_HOST:$API_PORT
  name: local-up-cluster
contexts:
- context:
    cluster: local-up-cluster
    user: kubernetes-admin
  name: kubernetes-admin@local-up-cluster
current-context: kubernetes-admin@local-up-cluster
preferences: {}
users:
- name: kubernetes-admin
  user:
    client-certificate-data: $(b64 "$CERTS/admin.crt")
    client-key-data: $(b64 "$CERTS/admin.key")
EOF
chmod 600 "$KUBECONFIG_FILE.tmp"
mv "$KUBECONFIG_FILE.tmp" "$KUBECONFIG_FILE"

log "waiting up to ${READY_TIMEOUT}s for https://$API_HOST:$API_PORT/readyz"
deadline=$((SECONDS + READY_TIMEOUT))
last=""
while :; do
  last="$(curl -sS --max-time 5 --cacert "$CERTS/ca.crt" --cert "$CERTS/admin.crt" \
    --key "$CERTS/admin.key" "https://$API_HOST:$API_PORT/readyz" 2>&1)" || true
  [ "$last" = ok ] && break
  kill -0 "$apiserver_pid" 2>/dev/null ||
    fail_with_log kube-apiserver "$LOGS/kube-apiserver.log" "kube-apiserver exited before it was ready"
  [ "$SECONDS" -lt "$deadline" ] || fail_with_log kube-apiserver "$LOGS/kube-apiserver.log" \
    "kube-apiserver not ready within ${READY_TIMEOUT}s; last /readyz answer: ${last:-<none>}"
  sleep 0.5
done
log "kube-apiserver is ready at https://$API_HOST:$API_PORT (storage: $STORAGE)"
echo "export KUBECONFIG=$KUBECONFIG_FILE"

# Stay in the foreground until a component exits by itself or we are told to stop.
status=0
wait -n "${PIDS[@]}" || status=$?
for i in "${!PIDS[@]}"; do
  if ! kill -0 "${PIDS[$i]}" 2>/dev/null; then
    log "${NAMES[$i]} exited (status $status); stopping the rest"
    tail -n 20 "$LOGS/${NAMES[$i]}.log" >&2 || true
  fi
done
exit 1
