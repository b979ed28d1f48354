#!/usr/bin/env bash
# Throughput of the gRPC runtime against a bare Kestrel endpoint, measured in the same run with
# h2load (nghttp2-client), at 1 and 64 concurrent streams on one HTTP/2 connection.
# Usage: tests/Benchmarks/grpc-bench.sh [requests-per-run]   (default 200000)
set -euo pipefail
cd "$(dirname "$0")/../.."
N="${1:-200000}"
command -v h2load >/dev/null || { echo "h2load not found (apt-get install nghttp2-client)" >&2; exit 1; }

work="$(mktemp -d)"
trap 'exec 3>&- 2>/dev/null || true; [[ -n "${pid:-}" ]] && kill "$pid" 2>/dev/null || true; rm -rf "$work"' EXIT

dotnet build -c Release tests/Benchmarks/GrpcBench/GrpcBench.csproj -o "$work/bin" >/dev/null
mkfifo "$work/stdin"
dotnet "$work/bin/GrpcBench.dll" "$work/body.bin" <"$work/stdin" >"$work/out" &
pid=$!
exec 3>"$work/stdin"   # keep the server's stdin open until the script ends
for _ in $(seq 1 300); do grep -q '^PORTS' "$work/out" 2>/dev/null && break; sleep 0.1; done
read -r _ runtime_port bare_port < <(grep '^PORTS' "$work/out")

run() { # port path streams requests -> req/s
  h2load -n "$4" -c 1 -m "$3" -H 'content-type: application/grpc' -H 'te: trailers' \
    -d "$work/body.bin" "http://127.0.0.1:$1$2" 2>&1 |
    awk '/^finished in/ { for (i = 1; i <= NF; i++) if ($(i+1) == "req/s,") print $i }
         /^requests:/ && ($10 != 0 || $12 != 0) { print "h2load: " $0 > "/dev/stderr" }'
}

path=/inference.grpc.bench.Bench/Echo
# Both targets must answer a real gRPC OK (h2load alone cannot see grpc-status).
for port in "$runtime_port" "$bare_port"; do
  nghttp -v -H ':method: POST' -H 'content-type: application/grpc' -H 'te: trailers' \
    -d "$work/body.bin" "http://127.0.0.1:$port$path" 2>&1 | grep -q 'grpc-status: 0' ||
    { echo "port $port did not answer grpc-status 0" >&2; exit 1; }
done
# Warm-up (JIT tiering, connection pools), not reported.
run "$runtime_port" "$path" 64 $((N / 4)) >/dev/null
run "$bare_port" "$path" 64 $((N / 4)) >/dev/null

printf '%-8s %14s %14s %8s\n' streams bare_req/s runtime_req/s ratio
for m in 1 64; do
  n="$N"; [[ "$m" == 1 ]] && n=$((N / 4))
  best_bare=0; best_rt=0
  # Alternate the two targets and keep each one's best of three, to damp noise from other processes.
  for _ in 1 2 3; do
    b="$(run "$bare_port" "$path" "$m" "$n")"; r="$(run "$runtime_port" "$path" "$m" "$n")"
    best_bare="$(awk -v a="$best_bare" -v b="$b" 'BEGIN { print (b > a ? b : a) }')"
    best_rt="$(awk -v a="$best_rt" -v b="$r" 'BEGIN { print (b > a ? b : a) }')"
  done
  awk -v m="$m" -v b="$best_bare" -v r="$best_rt" 'BEGIN { printf "%-8s %14.0f %14.0f %7.1f%%\n", m, b, r, 100 * r / b }'
done
