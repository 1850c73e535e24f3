#!/usr/bin/env bash
# CDP throughput benchmark, run by hand (not in CI): a local-cloud CDP serving a 100 MiB and a
# 4 KiB package file over TLS to concurrent keep-alive clients, next to nginx serving the same
# files with the same certificate when nginx is installed. See bench/README.md.
#
# Settings (environment): LARGE_CONC (8) LARGE_SECS (20) SMALL_CONC (64) SMALL_SECS (10)
# LARGE_MIB (100) SMALL_BYTES (4096) CLIENT_THREADS (1) NGINX (nginx on PATH) KEEP (keep the
# work directory when 1) BENCH_OUT (also write the markdown table to this file) STORAGE (folder,
# or azure: the CDP's blobs in an Azurite started here from .ci/azurite; nginx is skipped).
set -euo pipefail

LARGE_CONC=${LARGE_CONC:-8}
LARGE_SECS=${LARGE_SECS:-20}
SMALL_CONC=${SMALL_CONC:-64}
SMALL_SECS=${SMALL_SECS:-10}
LARGE_MIB=${LARGE_MIB:-100}
SMALL_BYTES=${SMALL_BYTES:-4096}
CLIENT_THREADS=${CLIENT_THREADS:-1}
NGINX=${NGINX:-$(command -v nginx || true)}
KEEP=${KEEP:-0}
STORAGE=${STORAGE:-folder}

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

work=$(mktemp -d "${TMPDIR:-/tmp}/cdp-bench.XXXXXX")
serve_pid=""
nginx_pid=""
azurite_pid=""
cleanup() {
    local pid
    for pid in "$nginx_pid" "$serve_pid" "$azurite_pid"; do
        if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then
            kill -TERM "$pid" 2>/dev/null || true
            wait "$pid" 2>/dev/null || true
        fi
    done
    if [[ "$KEEP" == 1 ]]; then
        echo "work directory kept: $work" >&2
    else
        rm -rf "$work"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

echo "== building (release)" >&2
cargo build --release --example cdp_load >&2
bin="${CARGO_TARGET_DIR:-$root/target}/release/examples/cdp_load"

# A free loopback port: nothing answers a connect there.
free_port() {
    local p
    for _ in $(seq 1 50); do
        p=$((20000 + RANDOM % 40000))
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
            echo "$p"
            return 0
        fi
    done
    echo "no free port" >&2
    return 1
}

storage_args=()
label="CDP"
if [[ "$STORAGE" == azure ]]; then
    azurite="$root/.ci/azurite/node_modules/.bin/azurite-blob"
    [[ -x "$azurite" ]] || { echo "STORAGE=azure needs Azurite: npm ci --prefix .ci/azurite" >&2; exit 1; }
    azurite_port=$(free_port)
    mkdir -p "$work/azurite"
    "$azurite" --blobHost 127.0.0.1 --blobPort "$azurite_port" --location "$work/azurite" \
        --disableTelemetry --skipApiVersionCheck >"$work/azurite.log" 2>&1 &
    azurite_pid=$!
    for _ in $(seq 1 300); do
        (exec 3<>"/dev/tcp/127.0.0.1/$azurite_port") 2>/dev/null && break
        sleep 0.1
    done
    storage_args=(--azurite "http://127.0.0.1:$azurite_port")
    label="CDP-azure"
    # nginx would serve the (empty) container folder: it only makes sense with the folder store.
    NGINX=""
    nginx_skip_note="STORAGE=azure: nginx skipped"
fi

echo "== starting the local cloud and its CDP ($STORAGE store) in $work" >&2
"$bin" serve --dir "$work" --large-mib "$LARGE_MIB" --small-bytes "$SMALL_BYTES" "${storage_args[@]}" \
    >"$work/serve.out" 2>"$work/serve.log" &
serve_pid=$!
for _ in $(seq 1 600); do
    [[ -f "$work/bench.json" ]] && break
    if ! kill -0 "$serve_pid" 2>/dev/null; then
        cat "$work/serve.log" >&2
        echo "the CDP server exited before it was ready" >&2
        exit 1
    fi
    sleep 0.2
done
[[ -f "$work/bench.json" ]] || { cat "$work/serve.log" >&2; echo "the CDP never got ready" >&2; exit 1; }
cat "$work/serve.log" >&2
# FQDN INSTANCES ROOT_CA SERVICE_CERT SERVICE_KEY CONTAINER_DIR {LARGE,SMALL}_{PATH,TOKEN,SIZE,BLOB}
# shellcheck source=/dev/null
. "$work/bench.env"
read -r -a instances <<<"$INSTANCES"

results="$work/results.jsonl"
: >"$results"

# run_load LABEL PORT PATH TOKEN CONCURRENCY SECONDS ADDR...
run_load() {
    local label=$1 port=$2 path=$3 token=$4 conc=$5 secs=$6
    shift 6
    local resolve=() addr
    for addr in "$@"; do
        resolve+=(--resolve "$FQDN:$addr")
    done
    echo "== $label: $conc connections, $secs s" >&2
    "$bin" load --url "https://$FQDN:$port$path" "${resolve[@]}" --trust "$ROOT_CA" \
        --token "$token" --concurrency "$conc" --duration "$secs" \
        --threads "$CLIENT_THREADS" --label "$label" --json | tee -a "$results" >&2
}

port0=${instances[0]##*:}
run_load "$label large" "$port0" "$LARGE_PATH" "$LARGE_TOKEN" "$LARGE_CONC" "$LARGE_SECS" "${instances[@]}"
run_load "$label small" "$port0" "$SMALL_PATH" "$SMALL_TOKEN" "$SMALL_CONC" "$SMALL_SECS" "${instances[@]}"

nginx_note=""
if [[ -z "$NGINX" ]]; then
    nginx_note=${nginx_skip_note:-"nginx not installed: skipped"}
    echo "$nginx_note" >&2
else
    nginx_port=$(free_port)
    ng="$work/nginx"
    mkdir -p "$ng/tmp"
    # Same certificate and key, same encrypted blob files at the same URL paths. nginx checks no
    # token (it ignores the Authorization header the client sends anyway).
    cat >"$ng/nginx.conf" <<CONF
daemon off;
master_process on;
worker_processes auto;
user $(id -un) $(id -gn);
pid $ng/nginx.pid;
error_log $ng/error.log warn;
events { worker_connections 4096; }
http {
    access_log off;
    default_type application/octet-stream;
    sendfile on;
    tcp_nopush on;
    tcp_nodelay on;
    keepalive_requests 1000000;
    keepalive_timeout 75s;
    client_body_temp_path $ng/tmp/body;
    proxy_temp_path $ng/tmp/proxy;
    fastcgi_temp_path $ng/tmp/fastcgi;
    uwsgi_temp_path $ng/tmp/uwsgi;
    scgi_temp_path $ng/tmp/scgi;
    server {
        listen 127.0.0.1:$nginx_port ssl;
        server_name $FQDN;
        ssl_certificate $SERVICE_CERT;
        ssl_certificate_key $SERVICE_KEY;
        ssl_protocols TLSv1.2 TLSv1.3;
        location /content/ {
            alias $CONTAINER_DIR/;
        }
    }
}
CONF
    echo "== starting $("$NGINX" -v 2>&1) on 127.0.0.1:$nginx_port" >&2
    "$NGINX" -p "$ng" -e "$ng/error.log" -c "$ng/nginx.conf" 2>>"$ng/error.log" &
    nginx_pid=$!
    for _ in $(seq 1 100); do
        (exec 3<>"/dev/tcp/127.0.0.1/$nginx_port") 2>/dev/null && break
        if ! kill -0 "$nginx_pid" 2>/dev/null; then
            cat "$ng/error.log" >&2
            echo "nginx exited before it was ready" >&2
            exit 1
        fi
        sleep 0.1
    done
    run_load "nginx large" "$nginx_port" "$LARGE_PATH" "$LARGE_TOKEN" "$LARGE_CONC" "$LARGE_SECS" "127.0.0.1:$nginx_port"
    run_load "nginx small" "$nginx_port" "$SMALL_PATH" "$SMALL_TOKEN" "$SMALL_CONC" "$SMALL_SECS" "127.0.0.1:$nginx_port"
fi

# The command as given: the settings that differ from the defaults, then the script.
command_line="bash bench/run.sh"
for pair in STORAGE=folder LARGE_CONC=8 LARGE_SECS=20 SMALL_CONC=64 SMALL_SECS=10 LARGE_MIB=100 SMALL_BYTES=4096 CLIENT_THREADS=1; do
    name=${pair%%=*}
    if [[ "${!name}" != "${pair#*=}" ]]; then
        command_line="$name=${!name} $command_line"
    fi
done
if [[ -n "$NGINX" && "$NGINX" != "$(command -v nginx || true)" ]]; then
    command_line="NGINX=$NGINX $command_line"
fi
cpu=$(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | cut -d: -f2- | sed 's/^ *//' || true)
{
    echo
    echo "Command: \`$command_line\`"
    echo
    echo "Machine: $(nproc) cores${cpu:+ ($cpu)}, $(uname -sr), $(rustc --version)"
    echo "Large file: $LARGE_MIB MiB package, $LARGE_SIZE bytes encrypted, $LARGE_CONC connections for $LARGE_SECS s;"
    echo "small file: $SMALL_BYTES-byte package, $SMALL_SIZE bytes encrypted, $SMALL_CONC connections for $SMALL_SECS s."
    echo "Server and load generator share the machine; MB = 10^6 bytes of response body."
    if [[ -n "$nginx_note" ]]; then
        echo "$nginx_note"
    fi
    echo
    "$bin" report "$results"
} | tee "${BENCH_OUT:-/dev/null}"
