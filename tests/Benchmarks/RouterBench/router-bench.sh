#!/usr/bin/env bash
# Router benchmark: one run measures the same backend three ways — direct, through the router,
# and through nginx grpc_pass — with h2load, and prints the router's figures as ratios of the
# others. On demand only (not a test).
#
#   tests/Benchmarks/RouterBench/router-bench.sh [requests] [backend-url] [backend-v2-url]
#
# requests        requests per throughput run (default 200000); latency runs use a tenth.
#                 ROUNDS=n (default 3) repeats the measurements, keeping each target's best.
# backend-url     an already running OIP model server serving model "iris" version 1 (default:
#                 start the fake one from this folder)
# backend-v2-url  the same for version 2 (default: start a fake one)
#
# Two routers run: the default (built-in upstream HTTP/2 client) and one with
# --upstream-client sockets (SocketsHttpHandler), so both transports are measured in the same run.
# The router runs an experiment (versions 1 and 2, 90/10, sticky on x-user-id), so the measured
# path includes assignment: every load call carries a user key that lands in the control group.
# h2load counts any HTTP 200 as a success, gRPC errors included, so sample calls through every
# target before and after each load check grpc-status and the response metadata, and after each
# load through the router its own counters must show no call that ended other than OK; any
# failure stops the run.
# Needs: dotnet, h2load (nghttp2-client), nginx (nginx-light), python3, curl.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
requests="${1:-200000}"
latency_requests=$(( requests / 10 ))
backend_url="${2:-}"
backend_v2_url="${3:-}"
experiment="iris-bench"

for tool in dotnet h2load nginx curl; do
  command -v "$tool" >/dev/null || { echo "missing: $tool" >&2; exit 1; }
done

work="$(mktemp -d)"
pids=()
cleanup() {
  exec 3>&- 4>&- 2>/dev/null || true
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# Waits for a line matching $2 in file $1 and prints it.
wait_line() {
  for _ in $(seq 1 300); do
    if line="$(grep -m1 -E "$2" "$1")"; then echo "$line"; return 0; fi
    sleep 0.1
  done
  echo "timed out waiting for '$2' in $1:" >&2; cat "$1" >&2; exit 1
}

echo "building (Release)…"
dotnet build "$root/router/Inference.Router/Inference.Router.csproj" -c Release -nologo -clp:ErrorsOnly -v q >/dev/null
dotnet build "$here/RouterBench.csproj" -c Release -nologo -clp:ErrorsOnly -v q >/dev/null
bench_dll="$here/bin/Release/net10.0/RouterBench.dll"
router_dll="$root/router/Inference.Router/bin/Release/net10.0/Inference.Router.dll"
dotnet "$bench_dll" request "$work/request.bin"

# A fake backend for version $1, on stdin fd $2 (closing it stops the backend); prints its URL.
start_backend() {
  mkfifo "$work/backend-$1.in"
  dotnet "$bench_dll" backend iris "$1" < "$work/backend-$1.in" > "$work/backend-$1.log" 2>&1 &
  pids+=($!)
  eval "exec $2> \"$work/backend-$1.in\""
}
if [[ -z "$backend_url" ]]; then
  start_backend 1 3
  backend_url="$(wait_line "$work/backend-1.log" 'backend listening: ' | sed -E 's/.*listening: //')"
fi
if [[ -z "$backend_v2_url" ]]; then
  start_backend 2 4
  backend_v2_url="$(wait_line "$work/backend-2.log" 'backend listening: ' | sed -E 's/.*listening: //')"
fi
backend_hostport="${backend_url#http://}"

# The first user key of each group under the 90/10 split (the assignment contract: SHA-256 of
# "<experiment>:<key>", first 8 bytes big-endian, mod 10000; control owns buckets 0-8999).
user_in() { # control|treatment
  /usr/bin/python3 - "$experiment" "$1" <<'PY'
import hashlib, sys
experiment, group = sys.argv[1], sys.argv[2]
n = 0
while True:
    key = f"bench-user-{n}"
    bucket = int.from_bytes(hashlib.sha256(f"{experiment}:{key}".encode()).digest()[:8], "big") % 10000
    if (bucket < 9000) == (group == "control"):
        print(key)
        break
    n += 1
PY
}
control_user="$(user_in control)"
treatment_user="$(user_in treatment)"

cat > "$work/router.json" <<JSON
{
  "models": {
    "iris": {
      "versions": {
        "1": { "endpoints": ["$backend_url"] },
        "2": { "endpoints": ["$backend_v2_url"] }
      },
      "experiment": {
        "name": "$experiment",
        "stickyHeader": "x-user-id",
        "allowOverride": true,
        "control": "control",
        "groups": [
          { "name": "control",   "version": "1", "weight": 90 },
          { "name": "treatment", "version": "2", "weight": 10 }
        ]
      }
    }
  }
}
JSON
# Two routers on the same configuration: "router" with its default upstream client (the built-in
# HTTP/2 client) and "sockets" with --upstream-client sockets (.NET's SocketsHttpHandler), so the
# two transports are compared in the same run.
start_router() { # name extra-args...
  local name="$1"; shift
  dotnet "$router_dll" --config "$work/router.json" --host 127.0.0.1 --port 0 --admin-port 0 "$@" > "$work/$name.log" 2>&1 &
  pids+=($!)
  eval "${name}_pid=$!"
  local line
  line="$(wait_line "$work/$name.log" 'Now listening: grpc=')"
  eval "${name}_url=\"$(sed -E 's/.*grpc=([^ ]+).*/\1/' <<<"$line")\""
  eval "${name}_admin=\"$(sed -E 's/.*admin=([^ ]+).*/\1/' <<<"$line")\""
}
start_router router
start_router sockets --upstream-client sockets

nginx_port="$(free_port)"
mkdir -p "$work/nginx"
cat > "$work/nginx/nginx.conf" <<CONF
worker_processes auto;
daemon off;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $work/nginx/body;
  proxy_temp_path $work/nginx/proxy;
  fastcgi_temp_path $work/nginx/fastcgi;
  uwsgi_temp_path $work/nginx/uwsgi;
  scgi_temp_path $work/nginx/scgi;
  # nginx 1.19.7+ folds http2_max_requests into keepalive_requests.
  keepalive_requests 10000000;
    http2_max_concurrent_streams 1000;
  upstream backend {
    server $backend_hostport;
    keepalive 64;
    keepalive_requests 10000000;
  }
  server {
    listen 127.0.0.1:$nginx_port http2;
    location / { grpc_pass grpc://backend; }
  }
}
CONF
nginx -p "$work/nginx" -c "$work/nginx/nginx.conf" 2> "$work/nginx/stderr.log" &
pids+=($!)
for _ in $(seq 1 100); do
  (exec 9<>"/dev/tcp/127.0.0.1/$nginx_port") 2>/dev/null && break
  sleep 0.1
done
nginx_url="http://127.0.0.1:$nginx_port"

h2() { # url clients streams requests
  h2load -n "$4" -c "$2" -m "$3" -d "$work/request.bin" \
    -H 'content-type: application/grpc' -H 'te: trailers' -H "x-user-id: $control_user" \
    "$1/inference.GRPCInferenceService/ModelInfer" 2>&1
}
probe() { dotnet "$bench_dll" probe "$@" || { echo "sample calls failed: $*" >&2; exit 1; }; }
# Sample calls through one target: grpc-status 0 and the metadata that target must send.
verify() { # target
  case $1 in
    direct) probe "$backend_url" "$work/request.bin" --header "x-user-id=$control_user" --expect x-model-version=1 ;;
    nginx)  probe "$nginx_url" "$work/request.bin" --header "x-user-id=$control_user" --expect x-model-version=1 ;;
    router|sockets)
      local url admin
      if [[ $1 == router ]]; then url="$router_url"; admin="$router_admin"; else url="$sockets_url"; admin="$sockets_admin"; fi
      probe "$url" "$work/request.bin" --header "x-user-id=$control_user" \
        --expect x-model-name=iris --expect x-model-version=1 --expect x-experiment=$experiment --expect x-experiment-group=control
      probe "$url" "$work/request.bin" --header "x-user-id=$treatment_user" --count 1 \
        --expect x-model-name=iris --expect x-model-version=2 --expect x-experiment=$experiment --expect x-experiment-group=treatment
      dotnet "$bench_dll" router-metrics "$admin" || { echo "the router ($1) counted failed calls" >&2; exit 1; } ;;
  esac
}
rps() { sed -nE 's/^finished in .*, ([0-9.]+) req\/s.*/\1/p'; }
mean_us() { # mean "time for request", in microseconds
  awk '/^time for request:/ { v=$4; u=v; gsub(/[0-9.]/,"",u); gsub(/[a-z]/,"",v);
       if (u=="ms") v*=1000; else if (u=="s") v*=1000000; print v }'
}
check() { # every request must have succeeded
  local out="$1" name="$2"
  if ! grep -qE "^requests: .* ([0-9]+) succeeded, 0 failed" <<<"$out"; then
    echo "$name: failed requests" >&2; grep -E '^(requests|status codes):' <<<"$out" >&2; exit 1
  fi
}

# Rounds alternate the targets so a noisy neighbour hurts them alike; the best of each is kept.
rounds="${ROUNDS:-3}"
targets="direct router sockets nginx"
declare -A rps64 rps4x16 lat1 alloc
# Managed bytes a router allocated so far (its /metrics); empty for the other targets.
allocated() {
  local admin=""
  case $1 in router) admin="$router_admin";; sockets) admin="$sockets_admin";; esac
  [[ -n $admin ]] || return 0
  curl -s "$admin/metrics" | awk '/^dotnet_gc_allocated_bytes_total/ { printf "%.0f", $2 }'
}
best_max() { awk -v a="${1:-0}" -v b="$2" 'BEGIN { print (b > a ? b : a) }'; }
best_min() { awk -v a="${1:-999999999}" -v b="$2" 'BEGIN { print (b < a ? b : a) }'; }
for target in $targets; do
  case $target in direct) url="$backend_url";; router) url="$router_url";; sockets) url="$sockets_url";; nginx) url="$nginx_url";; esac
  verify "$target"
  h2 "$url" 1 64 $(( requests / 4 )) >/dev/null   # warm-up (JIT, connections)
  verify "$target"
done
for round in $(seq 1 "$rounds"); do
  for target in $targets; do
    case $target in direct) url="$backend_url";; router) url="$router_url";; sockets) url="$sockets_url";; nginx) url="$nginx_url";; esac
    out="$(h2 "$url" 1 64 "$requests")"; check "$out" "$target"; verify "$target"; rps64[$target]="$(best_max "${rps64[$target]:-}" "$(rps <<<"$out")")"
    out="$(h2 "$url" 4 16 "$requests")"; check "$out" "$target"; verify "$target"; rps4x16[$target]="$(best_max "${rps4x16[$target]:-}" "$(rps <<<"$out")")"
    before="$(allocated "$target")"
    out="$(h2 "$url" 1 1 "$latency_requests")"; check "$out" "$target"
    after="$(allocated "$target")"
    [[ -z $before ]] || alloc[$target]="$(awk -v a="$before" -v b="$after" -v n="$latency_requests" 'BEGIN { printf "%.1f", (b - a) / n / 1024 }')"
    verify "$target"; lat1[$target]="$(best_min "${lat1[$target]:-}" "$(mean_us <<<"$out")")"
  done
done

rss_kb="$(awk '/^VmRSS:/ {print $2}' "/proc/$router_pid/status")"
hwm_kb="$(awk '/^VmHWM:/ {print $2}' "/proc/$router_pid/status")"
sockets_hwm_kb="$(awk '/^VmHWM:/ {print $2}' "/proc/$sockets_pid/status")"

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
added() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.0f", a - b }'; }
echo
echo "requests per run: $requests (latency runs: $latency_requests), best of $rounds rounds; cores: $(nproc); load average: $(cut -d" " -f1-3 /proc/loadavg)"
echo "router: experiment $experiment (90/10, sticky on x-user-id; load calls as $control_user, control); every load checked by sample calls"
echo "router = built-in upstream HTTP/2 client (default); sockets = the same router with --upstream-client sockets"
printf '%-8s %16s %16s %18s\n' target "req/s 1x64" "req/s 4x16" "mean latency 1x1"
for target in $targets; do
  printf '%-8s %16s %16s %15s us\n' "$target" "${rps64[$target]}" "${rps4x16[$target]}" "${lat1[$target]}"
done
echo
echo "router/nginx throughput, 1 connection x 64 streams:  $(ratio "${rps64[router]}" "${rps64[nginx]}")"
echo "router/nginx throughput, 4 connections x 16 streams: $(ratio "${rps4x16[router]}" "${rps4x16[nginx]}")"
echo "router/direct throughput, 1 x 64:                    $(ratio "${rps64[router]}" "${rps64[direct]}")"
echo "router/sockets throughput, 1 x 64 and 4 x 16:       $(ratio "${rps64[router]}" "${rps64[sockets]}"), $(ratio "${rps4x16[router]}" "${rps4x16[sockets]}")"
echo "added latency (1 stream): router $(added "${lat1[router]}" "${lat1[direct]}") us, sockets $(added "${lat1[sockets]}" "${lat1[direct]}") us, nginx $(added "${lat1[nginx]}" "${lat1[direct]}") us"
echo "router RSS: $(( rss_kb / 1024 )) MB now, $(( hwm_kb / 1024 )) MB peak (sockets: $(( sockets_hwm_kb / 1024 )) MB peak)"
echo "managed allocation per call (last 1-stream run, probes excluded): router ${alloc[router]} KB, sockets ${alloc[sockets]} KB"
