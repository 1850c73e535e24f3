#!/usr/bin/env bash
# Gateway benchmark, run by hand (not in CI): a site (`cloudsite serve`, which runs the local
# cloud's CMG instance and the site's connection point in the same process) with a one-VM CMG
# trusting the lab root (revocation checked against the CRL `lab serve` publishes); management
# point requests/s and latency directly and through the CMG; then N idle client notification
# channels held through the CMG and the serving process's memory per channel. See
# bench/README.md.
#
# Settings (environment): HOLD (channels to hold; default: as many as the fd limit allows)
# SOURCES (loopback source addresses, 4) CONC (64) SECS (10) KEEP (keep the work directory
# when 1) BENCH_OUT (also write the JSON lines to this file).
set -euo pipefail

CONC=${CONC:-64}
SECS=${SECS:-10}
SOURCES=${SOURCES:-4}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}

cd "$ROOT"
cargo build --release --bin cloudsite --example cmg_load
BIN=$TARGET/release/cloudsite
LOAD=$TARGET/release/examples/cmg_load

WORK=$(mktemp -d /tmp/cmg-bench.XXXXXX)
PIDS=()
cleanup() {
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    [ "${KEEP:-0}" = 1 ] && echo "work directory kept: $WORK" || rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

LIMIT=$(ulimit -n)
# Each held channel is one socket in the serving process and one in the load generator; leave
# room for everything else the site has open.
HOLD=${HOLD:-$((LIMIT - 1000))}
echo "fd limit (ulimit -n): $LIMIT (hard $(ulimit -Hn)); holding $HOLD channels"

"$BIN" lab init "$WORK/lab" --data-dir "$WORK/data" >/dev/null
"$BIN" lab serve "$WORK/lab" >/dev/null &
PIDS+=($!)
cat >"$WORK/config.toml" <<EOF
[cloud]
provisioning_delay_ms = 200

[monitoring]
gateway_interval = "1s"
EOF
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$BIN" serve --listen "127.0.0.1:$PORT" --data-dir "$WORK/data" --config "$WORK/config.toml" \
    >"$WORK/serve.log" 2>&1 &
SERVE=$!
PIDS+=($SERVE)
SITE="http://127.0.0.1:$PORT"
for _ in $(seq 100); do
    # Any HTTP answer means it listens.
    [ -s "$WORK/data/admin.token" ] && curl -s -o /dev/null "$SITE/" && break
    sleep 0.1
done
ARGS=(--lab "$WORK/lab" --site "$SITE" --token-file "$WORK/data/admin.token")

OUT=$WORK/results.jsonl
"$LOAD" setup "${ARGS[@]}" | tee -a "$OUT"
"$LOAD" rate "${ARGS[@]}" --concurrency "$CONC" --secs "$SECS" --pid "$SERVE" | tee -a "$OUT"
"$LOAD" rate "${ARGS[@]}" --concurrency "$CONC" --secs "$SECS" --pid "$SERVE" --via-cmg | tee -a "$OUT"
"$LOAD" hold "${ARGS[@]}" --count "$HOLD" --sources "$SOURCES" --pid "$SERVE" | tee -a "$OUT"
echo "machine: $(nproc) cores, $(uptime | sed 's/.*load/load/')"
[ -n "${BENCH_OUT:-}" ] && cp "$OUT" "$BENCH_OUT"
true
