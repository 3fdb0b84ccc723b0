#!/usr/bin/env bash
# Counts the instructions kube-apiserver executes per pod create, under valgrind's callgrind:
# a figure that, unlike CPU time, does not move with the host's speed, so two builds can be
# compared on a noisy machine. The benchmark's create phase runs against a kube-apiserver
# started under callgrind, with counting switched on for that phase only.
#
# Usage: hack/bench/apiserver/instructions.sh [--backend embedded|etcd] [--pods N] [--top N]
# (defaults: etcd, 1000 pods; --top N also prints the N functions with the most instructions).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../../lib.sh"
cd "$KUBE_ROOT"

backend=etcd pods=1000 top=0
while [ $# -gt 0 ]; do
  case "$1" in
    --backend) backend=$2; shift 2 ;;
    --pods) pods=$2; shift 2 ;;
    --top) top=$2; shift 2 ;;
    -h|--help) sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
done

install_build_deps
apt_install valgrind
[ "$backend" = etcd ] && apt_install etcd-server
log "building kube-apiserver and bench-apiserver (release)"
cargo build --release --quiet -p apiserver --bin kube-apiserver
cargo build --release --quiet -p bench-apiserver

work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
cp "$CARGO_TARGET_DIR/release/bench-apiserver" "$work/"
cp "$CARGO_TARGET_DIR/release/kube-apiserver" "$work/kube-apiserver.real"
# The benchmark starts the kube-apiserver beside it: this one runs the real one under callgrind.
cat > "$work/kube-apiserver" <<EOF
#!/usr/bin/env bash
exec valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file=$work/callgrind.out \
  $work/kube-apiserver.real "\$@"
EOF
chmod +x "$work/kube-apiserver"

out=$work/bench.log
"$work/bench-apiserver" --backend "$backend" --pods "$pods" --clients 16 --watchers 1 \
  --watch-events 1 --secs 1 --rss-pods 0 >"$out" 2>&1 &
bench=$!
wait_for() {
  until grep -q "$1" "$out"; do
    kill -0 "$bench" 2>/dev/null || { cat "$out" >&2; exit 1; }
    sleep 0.05
  done
}
wait_for creating
pid=$(pgrep -f "valgrind.*$work/kube-apiserver.real" | head -1)
callgrind_control -i on "$pid" >/dev/null 2>&1
wait_for "getting pods"
callgrind_control -i off "$pid" >/dev/null 2>&1
callgrind_control -d "$pid" >/dev/null 2>&1
wait "$bench" || true
# The dump taken above is the largest file (the one written at exit counted nothing).
dump=$(ls -S "$work"/callgrind.out* | head -1)
report=$(callgrind_annotate "$dump" 2>/dev/null)
total=$(awk '/PROGRAM TOTALS/ {gsub(",", "", $1); print $1}' <<<"$report" | head -1)
echo "kube-apiserver ($backend backend): $((total / pods)) instructions per pod create ($pods creates)"
if [ "$top" -gt 0 ]; then
  sed -n '/file:function/,$p' <<<"$report" | sed -n "3,$((top + 2))p"
fi
