#!/usr/bin/env bash
# Batch scoring benchmark (on demand, not a test).
#
# For the example model (tests/models/iris/1) and a generated MLP 512-1024-1024-10, in one run, at the same batch
# size and ONNX Runtime thread count:
#   loop     a plain ONNX Runtime loop: one input tensor made once, session.Run over and over (the baseline);
#   engine   inference-batch's in-process scoring path alone (request over the Run's buffer, OrtValues over its
#            bytes, Run, outputs read back), without the file;
#   local    inference-batch --model end to end: CSV in, CSV out (its own rows/s line);
#   remote   inference-batch --address through one model server (started here with the same thread count).
# Then the peak resident size (VmHWM) of inference-batch --model scoring a file of BENCH_RSS_ROWS iris rows.
# Input files are generated in a temp folder (removed at the end unless BENCH_KEEP=1), never in the repository.
#
# Usage: bash tests/Benchmarks/batch-bench.sh [--help]
# Environment: BENCH_BATCH (1024), BENCH_THREADS (1), BENCH_SECONDS (3), BENCH_IRIS_ROWS (1000000),
#   BENCH_MLP_ROWS (20000), BENCH_RSS_ROWS (10000000; 0 skips), BENCH_CONCURRENCY (remote Runs in flight, 2),
#   BENCH_MODELS ("iris mlp").
# Needs: the .NET SDK, /usr/bin/python3 with python3-onnx and numpy (the MLP), GNU time (/usr/bin/time).
set -euo pipefail
case "${1:-}" in
  -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
esac
cd "$(dirname "$0")/../.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

batch="${BENCH_BATCH:-1024}"
threads="${BENCH_THREADS:-1}"
seconds="${BENCH_SECONDS:-3}"
concurrency="${BENCH_CONCURRENCY:-2}"
rss_rows="${BENCH_RSS_ROWS:-10000000}"

work="$(mktemp -d)"
server_pid=""
cleanup() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  if [ "${BENCH_KEEP:-0}" = 1 ]; then echo "work folder kept: $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

load_start="$(cut -d' ' -f1-3 /proc/loadavg)"
echo "== build (Release)"
dotnet build tests/Benchmarks/BatchBench -c Release -nologo -clp:ErrorsOnly -v:q >/dev/null
dotnet build services/Inference.ModelServer -c Release -nologo -clp:ErrorsOnly -v:q >/dev/null
bench=tests/Benchmarks/BatchBench/bin/Release/net10.0/BatchBench
tool=services/Inference.Batch/bin/Release/net10.0/inference-batch.dll
server=services/Inference.ModelServer/bin/Release/net10.0/Inference.ModelServer.dll

# Runs inference-batch; prints its rows/s (its own closing line) and its CPU seconds (user + system).
score() {
  local log="$work/score.log" times="$work/score.time"
  /usr/bin/time -f "%U %S" -o "$times" dotnet "$tool" "$@" >"$log"
  echo "$(sed -n 's/.*(\([0-9]*\) rows\/s).*/\1/p' "$log") $(awk '{ print $1 + $2 }' "$times")"
}

# CPU seconds a process has used so far (utime + stime from /proc, in clock ticks).
cpu_of() { awk -v hz="$(getconf CLK_TCK)" '{ print ($14 + $15) / hz }' "/proc/$1/stat"; }

# Starts the model server (in this shell, so that server_pid is kept) and sets target to its gRPC host:port.
start_server() {
  local model="$1" log="$work/server.log"
  dotnet "$server" --model "$model" --name bench --version 1 --host 127.0.0.1 --port 0 --http-port 0 \
    --intra-op-threads "$threads" --max-in-flight 64 >"$log" 2>&1 &
  server_pid=$!
  for _ in $(seq 1 600); do
    grep -q "Ready: model" "$log" && break
    sleep 0.1
  done
  target=$(grep -o 'grpc=http://127.0.0.1:[0-9]*' "$log" | head -1 | sed 's|grpc=http://||')
}

stop_server() {
  kill "$server_pid" 2>/dev/null || true
  wait "$server_pid" 2>/dev/null || true
  server_pid=""
}

# rows/s (wall) and rows per CPU second, of: the plain loop, the scoring path, the tool in-process (CSV in and
# out), the tool through a model server (tool and server CPU together).
printf '\n%-5s %5s %3s | %10s %10s %9s %9s | %6s %6s %6s | %10s %10s %9s %9s | %6s %6s %6s\n' \
  model batch thr loop/s engine/s local/s remote/s eng/l loc/l rem/loc loop/cpu engine/cpu local/cpu remote/cpu eng/l loc/l rem/loc
for model in ${BENCH_MODELS:-iris mlp}; do
  if [ "$model" = iris ]; then
    file=tests/models/iris/1/model.onnx; rows="${BENCH_IRIS_ROWS:-1000000}"; map="input=sepal_length..petal_width"
  else
    file="$work/mlp.onnx"; rows="${BENCH_MLP_ROWS:-20000}"; map="input=f0..f511"
    /usr/bin/python3 tests/models/make_mlp.py "$file" >/dev/null
  fi
  "$bench" data --kind "$model" --rows "$rows" --out "$work/$model.csv"
  read -r loop loop_cpu < <("$bench" loop --model "$file" --batch "$batch" --threads "$threads" --seconds "$seconds" | sed 's/^[a-z]* //; s/[a-z_]*=//g')
  read -r engine engine_cpu < <("$bench" engine --model "$file" --batch "$batch" --threads "$threads" --seconds "$seconds" | sed 's/^[a-z]* //; s/[a-z_]*=//g')
  read -r local_rate local_seconds < <(score --input "$work/$model.csv" --output "$work/local.csv" --model "$file" --name bench --version 1 \
    --map "$map" --batch-size "$batch" --intra-op-threads "$threads")
  start_server "$file"
  server_before=$(cpu_of "$server_pid")
  read -r remote_rate remote_seconds < <(score --input "$work/$model.csv" --output "$work/remote.csv" --address "$target" --name bench \
    --version 1 --map "$map" --batch-size "$batch" --concurrency "$concurrency")
  server_seconds=$(awk -v a="$(cpu_of "$server_pid")" -v b="$server_before" 'BEGIN { print a - b }')
  stop_server
  cmp -s "$work/local.csv" "$work/remote.csv" || echo "!! local and remote outputs differ for $model" >&2
  awk -v m="$model" -v b="$batch" -v t="$threads" -v l="$loop" -v e="$engine" -v lo="$local_rate" -v r="$remote_rate" \
      -v lc="$loop_cpu" -v ec="$engine_cpu" -v rows="$rows" -v ls="$local_seconds" -v rs="$remote_seconds" -v ss="$server_seconds" \
    'BEGIN {
       loc = rows / ls; rem = rows / (rs + ss)
       printf "%-5s %5d %3d | %10d %10d %9d %9d | %6.2f %6.2f %6.2f | %10d %10d %9d %9d | %6.2f %6.2f %6.2f\n",
         m, b, t, l, e, lo, r, e / l, lo / l, r / lo, lc, ec, loc, rem, ec / lc, loc / lc, rem / loc }'
done

if [ "$rss_rows" -gt 0 ]; then
  "$bench" data --kind iris --rows "$rss_rows" --out "$work/big.csv"
  measured=$( { /usr/bin/time -f "rss_kb=%M wall_s=%e" dotnet "$tool" --input "$work/big.csv" --output "$work/big-out.csv" \
    --model tests/models/iris/1/model.onnx --map "input=sepal_length..petal_width" --batch-size "$batch" \
    --intra-op-threads "$threads" >"$work/big.log"; } 2>&1 | grep rss_kb)
  rows_done=$(sed -n 's/done: \([0-9]*\) rows.*/\1/p' "$work/big.log")
  echo
  echo "peak RSS scoring $rows_done iris rows (CSV in, CSV out, in-process): $(echo "$measured" | sed 's/rss_kb=\([0-9]*\).*/\1/' | awk '{ printf "%.0f MB", $1 / 1024 }') ($(sed -n 's/.*(\([0-9]*\) rows\/s).*/\1/p' "$work/big.log") rows/s)"
fi
echo "load average: $load_start at the start, $(cut -d' ' -f1-3 /proc/loadavg) at the end"
