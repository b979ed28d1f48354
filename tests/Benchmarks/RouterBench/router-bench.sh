#!/usr/bin/env bash
# Router benchmark (on demand, not a test). For each backend — the fake model server of the router's tests and the
# real model server with the iris model and with the MLP of tests/models/make_mlp.py — one run measures the same
# backend side by side: directly, through nginx grpc_pass, through the router, and through a previous router build
# (and, with --tracing, the router with tracing on), with h2load at 1 stream (latency) and 64 streams on one
# connection (throughput), and prints the router's figures as ratios to the others measured in the same round.
#
#   tests/Benchmarks/RouterBench/router-bench.sh [--previous <Inference.Router.dll>] [--backends "fake iris mlp"]
#                                                [--rounds 2] [--seconds 4] [--tracing] [--variant NAME=VALUE]…
#                                                [--server-flags "<model server flags>"] [--shadow]
#
# --previous   a router build to compare with (its Inference.Router.dll), e.g. one built from an earlier commit:
#                git archive <commit> | tar -x -C /tmp/router-previous
#                dotnet build /tmp/router-previous/router/Inference.Router -c Release
#                --previous /tmp/router-previous/router/Inference.Router/bin/Release/net10.0/Inference.Router.dll
# --backends   which backends, in order (default "fake iris mlp")
# --rounds     measurement rounds per backend (default 2); every ratio is taken within one round, the range is printed
# --seconds    about how long each h2load run lasts (default 4); the request counts come from a short calibration
#              against the backend directly, so every target gets the same number of requests
# --tracing    also a router with tracing on (OTLP over HTTP to a local sink that accepts and drops the spans)
# --variant    also a router started with this environment variable (repeatable: all go to one "variant" target),
#              e.g. --variant DOTNET_ThreadPool_UnfairSemaphoreSpinLimit=0, to try a runtime setting side by side
# --server-flags  extra flags for the real model servers, e.g. "--intra-op-threads 1"
# --shadow     also a router whose experiment copies 100 % of calls to a shadow version served by the version 2 backend
#              (each call costs one more upstream call and a comparison), against the same router without
#
# The router runs an experiment (versions 1 and 2, 90/10, sticky on x-user-id), and every load call carries a user key
# of the control group, so the measured path includes the SHA-256 assignment; version 2 is a second backend. h2load
# counts any HTTP 200 as a success and a gRPC error is an HTTP 200, so sample calls through every target before and
# after each load check grpc-status 0 and the metadata the target must send, and after each load through a router its
# own counters must show no call that ended other than OK; any failure stops the run. Environment variables reach the
# routers (DOTNET_* runtime settings can be tried without rebuilding).
# Needs: dotnet, h2load (nghttp2-client), nginx (nginx-light), curl, /usr/bin/python3 (python3-onnx and numpy for the
# MLP).
set -euo pipefail
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
previous_dll=""
backends="fake iris mlp"
rounds=2
seconds=4
tracing=0
variant=()
server_flags=""
shadow=0
while [[ $# -gt 0 ]]; do
  case $1 in
    --previous) previous_dll="$(realpath "$2")"; shift 2 ;;
    --backends) backends="$2"; shift 2 ;;
    --rounds) rounds="$2"; shift 2 ;;
    --seconds) seconds="$2"; shift 2 ;;
    --tracing) tracing=1; shift ;;
    --variant) variant+=("$2"); shift 2 ;;
    --server-flags) server_flags="$2"; shift 2 ;;
    --shadow) shadow=1; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d'; exit 0 ;;
    *) echo "router-bench: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done
if [[ -n $previous_dll && ! -f $previous_dll ]]; then
  echo "router-bench: --previous $previous_dll does not exist" >&2; exit 2
fi
for tool in dotnet h2load nginx curl /usr/bin/python3; do
  command -v "$tool" >/dev/null || { echo "router-bench: missing $tool" >&2; exit 1; }
done

work="$(mktemp -d)"
pids=()
holds=()
sink_pid=""
cleanup() {
  stop_all
  [[ -z $sink_pid ]] || { kill "$sink_pid" 2>/dev/null || true; wait "$sink_pid" 2>/dev/null || true; }
  rm -rf "$work"
}
trap cleanup EXIT

free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# Waits for a line matching $2 in file $1 and prints it.
wait_line() {
  for _ in $(seq 1 600); do
    if line="$(grep -m1 -E "$2" "$1")"; then echo "$line"; return 0; fi
    sleep 0.1
  done
  echo "router-bench: timed out waiting for '$2' in $1:" >&2; cat "$1" >&2; exit 1
}

echo "== build (Release)"
dotnet build "$root/router/Inference.Router/Inference.Router.csproj" -c Release -nologo -clp:ErrorsOnly -v q >/dev/null
dotnet build "$here/RouterBench.csproj" -c Release -nologo -clp:ErrorsOnly -v q >/dev/null
if [[ " $backends " == *" iris "* || " $backends " == *" mlp "* ]]; then
  dotnet build "$root/services/Inference.ModelServer/Inference.ModelServer.csproj" -c Release -nologo -clp:ErrorsOnly -v q >/dev/null
fi
bench_dll="$here/bin/Release/net10.0/RouterBench.dll"
router_dll="$root/router/Inference.Router/bin/Release/net10.0/Inference.Router.dll"
server_dll="$root/services/Inference.ModelServer/bin/Release/net10.0/Inference.ModelServer.dll"
if [[ " $backends " == *" mlp "* ]]; then
  /usr/bin/python3 "$root/tests/models/make_mlp.py" "$work/mlp.onnx" >/dev/null
fi

# A local OTLP/HTTP sink for --tracing: accepts every export and drops it.
if [[ $tracing == 1 ]]; then
  sink_port="$(free_port)"
  /usr/bin/python3 - "$sink_port" >"$work/sink.log" 2>&1 <<'PY' &
import http.server, sys
class Sink(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        self.rfile.read(int(self.headers.get("content-length", 0)))
        self.send_response(200); self.send_header("content-type", "application/x-protobuf"); self.send_header("content-length", "0"); self.end_headers()
    def log_message(self, *args): pass
http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Sink).serve_forever()
PY
  sink_pid=$!
fi

experiment="bench-rollout"
# The first user key of each group under the 90/10 split (the assignment contract: SHA-256 of "<experiment>:<key>",
# first 8 bytes big-endian, mod 10000; control owns buckets 0-8999).
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

# Starts one backend for version $3 of model $2 (kind $1); sets backend_url and backend_pid.
start_backend() { # kind model version
  local log="$work/backend-$1-$3.log"
  case $1 in
    fake)
      # The fake backend serves until its standard input closes: a pipe this script holds open (or SIGTERM).
      mkfifo "$work/backend-$1-$3.in"
      dotnet "$bench_dll" backend "$2" "$3" < "$work/backend-$1-$3.in" > "$log" 2>&1 &
      backend_pid=$!
      exec {hold}>"$work/backend-$1-$3.in"
      holds+=("$hold")
      backend_url="$(wait_line "$log" 'backend listening: ' | sed -E 's/.*listening: //')" ;;
    iris|mlp)
      local model="$root/tests/models/iris/$3/model.onnx"
      [[ $1 == mlp ]] && model="$work/mlp.onnx"
      # shellcheck disable=SC2086 # the flags are words
      dotnet "$server_dll" --model "$model" --name "$2" --version "$3" --host 127.0.0.1 --port 0 --http-port 0 $server_flags > "$log" 2>&1 &
      backend_pid=$!
      local line http
      line="$(wait_line "$log" 'Listening: grpc=')"
      backend_url="$(sed -E 's/.*grpc=([^ ]+).*/\1/' <<<"$line")"
      http="$(sed -E 's/.*http=([^ ]+).*/\1/' <<<"$line")"
      for _ in $(seq 1 600); do curl -fs "$http/readyz" >/dev/null 2>&1 && break; sleep 0.1; done ;;
  esac
  pids+=("$backend_pid")
}

# Starts a router build ($2) as target $1 with the current router.json; sets <name>_url, <name>_admin, <name>_pid.
start_router() { # name dll [env assignments...]
  local name="$1" dll="$2"; shift 2
  env "$@" dotnet "$dll" --config "${router_config:-$work/router.json}" --host 127.0.0.1 --port 0 --admin-port 0 > "$work/$name.log" 2>&1 &
  local pid=$!
  pids+=("$pid")
  local line
  line="$(wait_line "$work/$name.log" 'Now listening: grpc=')"
  printf -v "${name}_pid" '%s' "$pid"
  printf -v "${name}_url" '%s' "$(sed -E 's/.*grpc=([^ ]+).*/\1/' <<<"$line")"
  printf -v "${name}_admin" '%s' "$(sed -E 's/.*admin=([^ ]+).*/\1/' <<<"$line")"
}

start_nginx() { # upstream host:port
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
    server $1;
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
  nginx_pid=$!
  pids+=("$nginx_pid")
  for _ in $(seq 1 100); do
    (exec 9<>"/dev/tcp/127.0.0.1/$nginx_port") 2>/dev/null && break
    sleep 0.1
  done
  nginx_url="http://127.0.0.1:$nginx_port"
}

stop_all() {
  for fd in "${holds[@]}"; do exec {fd}>&-; done
  holds=()
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  pids=()
}

h2() { # url streams requests
  h2load -n "$3" -c 1 -m "$2" -t 1 -d "$work/request.bin" \
    -H 'content-type: application/grpc' -H 'te: trailers' -H "x-user-id: $control_user" \
    "$1/inference.GRPCInferenceService/ModelInfer" 2>&1
}
h2_for() { # url streams seconds: duration-based, for calibration only
  h2load -D "$3" -c 1 -m "$2" -t 1 -d "$work/request.bin" \
    -H 'content-type: application/grpc' -H 'te: trailers' -H "x-user-id: $control_user" \
    "$1/inference.GRPCInferenceService/ModelInfer" 2>&1
}
rps() { sed -nE 's/^finished in .*, ([0-9.]+) req\/s.*/\1/p'; }
mean_us() { # mean "time for request", in microseconds
  awk '/^time for request:/ { v=$4; u=v; gsub(/[0-9.]/,"",u); gsub(/[a-z]/,"",v);
       if (u=="ms") v*=1000; else if (u=="s") v*=1000000; printf "%.0f", v }'
}
check() { # every request must have succeeded
  if ! grep -qE "^requests: .* ([0-9]+) succeeded, 0 failed" <<<"$1"; then
    echo "router-bench: $2: failed requests" >&2; grep -E '^(requests|status codes):' <<<"$1" >&2; exit 1
  fi
}
probe() { dotnet "$bench_dll" probe "$@" >/dev/null || { echo "router-bench: sample calls failed: $*" >&2; exit 1; }; }
url_of() { local v="${1}_url"; echo "${!v}"; }
admin_of() { local v="${1}_admin"; echo "${!v:-}"; }
# Sample calls through one target: grpc-status 0 and the metadata that target must send.
verify() { # target
  local url; url="$(url_of "$1")"
  case $1 in
    direct|nginx) probe "$url" "$work/request.bin" --header "x-user-id=$control_user" --expect x-model-version=1 ;;
    *)
      probe "$url" "$work/request.bin" --header "x-user-id=$control_user" \
        --expect x-model-name="$model" --expect x-model-version=1 --expect x-experiment=$experiment --expect x-experiment-group=control
      probe "$url" "$work/request.bin" --header "x-user-id=$treatment_user" --count 1 \
        --expect x-model-name="$model" --expect x-model-version=2 --expect x-experiment=$experiment --expect x-experiment-group=treatment
      dotnet "$bench_dll" router-metrics "$(admin_of "$1")" >/dev/null || { echo "router-bench: the router ($1) counted failed calls" >&2; exit 1; } ;;
  esac
}
# Thread-pool work items a router has run so far (this build exports them; empty otherwise).
work_items() {
  local admin; admin="$(admin_of "$1")"
  [[ -n $admin ]] || return 0
  curl -s "$admin/metrics" | awk '/^dotnet_thread_pool_work_item_count_total/ && !done { printf "%.0f", $2; done = 1 }'
}
# Managed bytes a router allocated so far (from its /metrics, either build's name); empty for other targets.
allocated() {
  local admin; admin="$(admin_of "$1")"
  [[ -n $admin ]] || return 0
  curl -s "$admin/metrics" | awk '/^dotnet_gc_(heap_total_)?allocated_bytes_total/ && !done { printf "%.0f", $2; done = 1 }'
}
peak_mb() { awk '/^VmHWM:/ { printf "%.0f", $2 / 1024 }' "/proc/$1/status"; }
range() { # values... -> "min–max" (one decimal when below 10)
  printf '%s\n' "$@" | sort -g | awk 'NR == 1 { lo = $1 } { hi = $1 } END { f = (hi < 10 && hi > -10) ? "%.2f" : "%.0f"; printf f "–" f, lo, hi }'
}

summary=()
for kind in $backends; do
  model="iris"; features=4
  [[ $kind == mlp ]] && { model="mlp"; features=512; }
  echo
  echo "== backend: $kind (model $model)"
  start_backend "$kind" "$model" 1; v1_url="$backend_url"
  start_backend "$kind" "$model" 2; v2_url="$backend_url"
  dotnet "$bench_dll" request "$work/request.bin" "$model" "$features"
  cat > "$work/router.json" <<JSON
{
  "models": {
    "$model": {
      "versions": {
        "1": { "endpoints": ["$v1_url"] },
        "2": { "endpoints": ["$v2_url"] }
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
  direct_url="$v1_url"
  targets="direct nginx router"
  start_router router "$router_dll"
  if [[ -n $previous_dll ]]; then start_router previous "$previous_dll"; targets+=" previous"; fi
  if [[ ${#variant[@]} -gt 0 ]]; then start_router variant "$router_dll" "${variant[@]}"; targets+=" variant"; fi
  if [[ $shadow == 1 ]]; then
    # Version 3 is the shadow of every call, served by the version 2 backend.
    /usr/bin/python3 - "$work/router.json" "$work/router-shadow.json" "$model" "$v2_url" <<'PY'
import json, sys
config = json.load(open(sys.argv[1]))
model = config["models"][sys.argv[3]]
model["versions"]["3"] = {"endpoints": [sys.argv[4]]}
# Room for every copy of 64 streams in flight: the run measures copying all of them, not dropping.
model["experiment"]["shadow"] = {"version": "3", "percent": 100, "maxConcurrent": 256}
json.dump(config, open(sys.argv[2], "w"), indent=2)
PY
    router_config="$work/router-shadow.json" start_router shadowed "$router_dll"
    targets+=" shadowed"
  fi
  if [[ $tracing == 1 ]]; then
    start_router traced "$router_dll" OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:$sink_port" OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf
    targets+=" traced"
  fi
  start_nginx "${v1_url#http://}"

  # Request counts: about --seconds of load against the backend directly, the same for every target.
  for target in $targets; do verify "$target"; done
  n64="$(h2_for "$direct_url" 64 2 | rps | awk -v s="$seconds" '{ printf "%d", ($1 * s > 2000 ? $1 * s : 2000) }')"
  n1="$(h2_for "$direct_url" 1 2 | rps | awk -v s="$seconds" '{ printf "%d", ($1 * s > 1000 ? $1 * s : 1000) }')"
  echo "requests per run: $n64 at 64 streams, $n1 at 1 stream; warming up"
  for target in $targets; do
    out="$(h2 "$(url_of "$target")" 64 $(( n64 / 2 )))"; check "$out" "$target"   # JIT tiers, connections
    out="$(h2 "$(url_of "$target")" 1 $(( n1 / 4 )))"; check "$out" "$target"
    verify "$target"
  done

  declare -A rps64=() lat1=() alloc=() items=()
  printf '%-6s %-9s %14s %16s\n' round target "req/s 1x64" "mean µs 1x1"
  for round in $(seq 1 "$rounds"); do
    # Each round starts at a different target, so a noisy neighbour does not always hit the same one.
    read -r -a order <<<"$targets"
    shift_by=$(( (round - 1) % ${#order[@]} ))
    order=("${order[@]:shift_by}" "${order[@]:0:shift_by}")
    for target in "${order[@]}"; do
      url="$(url_of "$target")"
      out="$(h2 "$url" 64 "$n64")"; check "$out" "$target"; verify "$target"
      rps64[$round,$target]="$(rps <<<"$out")"
      before="$(allocated "$target")"; items_before="$(work_items "$target")"
      out="$(h2 "$url" 1 "$n1")"; check "$out" "$target"
      after="$(allocated "$target")"; items_after="$(work_items "$target")"
      [[ -z $before ]] || alloc[$round,$target]="$(awk -v a="$before" -v b="$after" -v n="$n1" 'BEGIN { printf "%.1f", (b - a) / n / 1024 }')"
      [[ -z $items_before ]] || items[$round,$target]="$(awk -v a="$items_before" -v b="$items_after" -v n="$n1" 'BEGIN { printf "%.1f", (b - a) / n }')"
      verify "$target"
      lat1[$round,$target]="$(mean_us <<<"$out")"
    done
    for target in $targets; do
      printf '%-6s %-9s %14.0f %16s\n' "$round" "$target" "${rps64[$round,$target]}" "${lat1[$round,$target]}"
    done
  done

  # Ratios and differences within each round; their range over the rounds.
  ratios() { # a b -> per-round rps64[a]/rps64[b]
    for r in $(seq 1 "$rounds"); do awk -v a="${rps64[$r,$1]}" -v b="${rps64[$r,$2]}" 'BEGIN { printf "%.2f\n", a / b }'; done
  }
  added() { # target -> per-round lat1[target] - lat1[direct]
    for r in $(seq 1 "$rounds"); do echo $(( ${lat1[$r,$1]} - ${lat1[$r,direct]} )); done
  }
  echo "router/nginx req/s at 64 streams:      $(range $(ratios router nginx))"
  [[ -z $previous_dll ]] || echo "router/previous req/s at 64 streams:   $(range $(ratios router previous))"
  [[ $tracing == 0 ]] || echo "traced/router req/s at 64 streams:     $(range $(ratios traced router))"
  [[ ${#variant[@]} == 0 ]] || echo "variant/router req/s at 64 streams:    $(range $(ratios variant router)) (${variant[*]})"
  if [[ $shadow == 1 ]]; then
    echo "shadowed/router req/s at 64 streams:   $(range $(ratios shadowed router)) (100 % of calls copied to a shadow version)"
    echo "shadow copies of the shadowed router: $(curl -s "$shadowed_admin/metrics" | awk '/^router_shadow_requests_total/ { match($0, /result="[a-z]+"/); r = substr($0, RSTART + 8, RLENGTH - 9); n[r] += $NF } END { for (r in n) printf "%s=%d ", r, n[r] }')"
  fi
  line="added latency at 1 stream (µs):        router $(range $(added router)), nginx $(range $(added nginx))"
  [[ -z $previous_dll ]] || line+=", previous $(range $(added previous))"
  [[ $tracing == 0 ]] || line+=", traced $(range $(added traced))"
  [[ ${#variant[@]} == 0 ]] || line+=", variant $(range $(added variant))"
  echo "$line"
  line="RSS peak (MB):                         router $(peak_mb "$router_pid")"
  [[ -z $previous_dll ]] || line+=", previous $(peak_mb "$previous_pid")"
  echo "$line"
  allocs() { for r in $(seq 1 "$rounds"); do echo "${alloc[$r,$1]}"; done; }
  hops() { for r in $(seq 1 "$rounds"); do echo "${items[$r,$1]}"; done; }
  line="managed allocation per call (KB):      router $(range $(allocs router))"
  [[ -z $previous_dll ]] || line+=", previous $(range $(allocs previous))"
  [[ $tracing == 0 ]] || line+=", traced $(range $(allocs traced))"
  echo "$line"
  # At one stream a call waits for every hand-off between threads: the router's own count (its runtime metrics,
  # probes included, which are few), and .NET's HTTP/2 client alone against the same backend, with a body written
  # once and with the flushes YARP makes for a gRPC body.
  client_hops="$(DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=1 dotnet "$bench_dll" hops "$direct_url" "$work/request.bin" "$n1" | awk '{ v[$2] = $3 } END { printf "%s written once, %s with the forwarder'"'"'s flushes", v["written-once"], v["forwarder-flushes"] }')"
  line="thread-pool work items per call, 1 stream: router $(range $(hops router))"
  [[ ${#variant[@]} == 0 ]] || line+=", variant $(range $(hops variant))"
  echo "$line; HTTP/2 client alone: $client_hops"
  summary+=("$kind: router/nginx $(range $(ratios router nginx))$([[ -z $previous_dll ]] || echo ", router/previous $(range $(ratios router previous))"); added µs router $(range $(added router)) nginx $(range $(added nginx)); RSS $(peak_mb "$router_pid") MB")
  unset rps64 lat1 alloc items
  stop_all
done

echo
echo "cores: $(nproc); load average at the end: $(cut -d' ' -f1-3 /proc/loadavg); rounds: $rounds"
printf '%s\n' "${summary[@]}"
