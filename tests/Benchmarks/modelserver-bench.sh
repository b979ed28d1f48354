#!/usr/bin/env bash
# Model server benchmark (on demand, not a test).
#
# For the example model (tests/models/iris/1) and a generated MLP 512-1024-1024-10, in one run:
#   1. the floor: InferenceSession.Run of Microsoft.ML.OnnxRuntime in-process (ModelServerBench floor),
#      at 1 thread and at the thread count the server runs inferences on;
#   2. ModelInfer over gRPC against Inference.ModelServer with h2load: unbatched, and with dynamic
#      batching, each at the server's defaults and "wide" (64 requests admitted at once, batches
#      of up to 64 rows); at 1 stream, 64 streams on one connection and 4 connections x 16 streams;
#   3. a sample request checked for grpc-status 0 before and after the load (h2load sees only the
#      HTTP status), the server's own request counters by grpc_code, and its resident size.
# With --baseline, every mode runs that other build of the model server too, at the same time as this one,
# and the rows alternate between them, so that the two are compared under the same load (a build of an
# earlier commit: see the services README).
# Prints one table; ratios are against the floor measured in the same run and against the baseline.
#
# Usage: bash tests/Benchmarks/modelserver-bench.sh [--baseline <Inference.ModelServer executable, or its folder>] [--help]
# Environment: BENCH_SECONDS (h2load measured seconds per row, default 4), BENCH_WARMUP (1),
#   BENCH_FLOOR_SECONDS (3), BENCH_MAX_BATCH (--max-batch-size and --max-in-flight of the
#   batched-wide mode, and the floor's batch variant; 64),
#   BENCH_BATCH_DELAY_US (--max-batch-delay-us of the batched-wide mode, 500), BENCH_MODES
#   ("unbatched unbatched-wide batched batched-wide"), BENCH_MODELS ("iris mlp"), BENCH_SHAPES (connections x
#   streams per row, "1x1 1x64 4x16"), BENCH_ROUNDS (rows per shape and build, alternating between the builds: 1),
#   BENCH_ARTIFACTS
#   (build into that folder instead of the projects' bin and obj), BENCH_KEEP=1 keeps the work folder.
#   BENCH_SERVER_FLAGS (extra server flags for every mode, e.g. "--intra-op-threads 1").
#   Environment variables reach the server too (DOTNET_* runtime knobs can be tried that way).
# Needs: the .NET SDK, h2load (nghttp2-client), curl, /usr/bin/python3 with python3-onnx and numpy.
set -euo pipefail
case "${1:-}" in
  -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
esac
baseline=""
if [ "${1:-}" = --baseline ]; then
  baseline="${2:?--baseline needs the path of a model server build}"
  [ -d "$baseline" ] && baseline="$baseline/Inference.ModelServer"
  [ -x "$baseline" ] || { echo "modelserver-bench: $baseline is not an executable" >&2; exit 1; }
  baseline="$(cd "$(dirname "$baseline")" && pwd)/$(basename "$baseline")"
fi
cd "$(dirname "$0")/../.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

seconds="${BENCH_SECONDS:-4}"
warmup="${BENCH_WARMUP:-1}"
floor_seconds="${BENCH_FLOOR_SECONDS:-3}"
max_batch="${BENCH_MAX_BATCH:-64}"
batch_delay_us="${BENCH_BATCH_DELAY_US:-500}"
cores="$(nproc)"

for tool in h2load curl /usr/bin/python3 dotnet; do
  command -v "$tool" >/dev/null || { echo "modelserver-bench: $tool is missing" >&2; exit 1; }
done

work="$(mktemp -d)"
server_pid=""
running=()
cleanup() {
  for pid in "${running[@]}" $server_pid; do
    if kill -0 "$pid" 2>/dev/null; then
      kill "$pid" 2>/dev/null || true
      wait "$pid" 2>/dev/null || true
    fi
  done
  if [ "${BENCH_KEEP:-0}" = 1 ]; then echo "work folder kept: $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

load_start="$(cut -d' ' -f1-3 /proc/loadavg)"
echo "== build (Release)"
# BENCH_ARTIFACTS=<dir> builds into that folder (bin and obj) instead of the projects' own.
build_flags=(-c Release -nologo -clp:ErrorsOnly -v:q)
if [ -n "${BENCH_ARTIFACTS:-}" ]; then
  build_flags+=(--artifacts-path "$BENCH_ARTIFACTS")
  bench="$BENCH_ARTIFACTS/bin/ModelServerBench/release/ModelServerBench"
  server="$BENCH_ARTIFACTS/bin/Inference.ModelServer/release/Inference.ModelServer"
else
  bench=tests/Benchmarks/ModelServerBench/bin/Release/net10.0/ModelServerBench
  server=services/Inference.ModelServer/bin/Release/net10.0/Inference.ModelServer
fi
dotnet build tests/Benchmarks/ModelServerBench/ModelServerBench.csproj "${build_flags[@]}"
dotnet build services/Inference.ModelServer/Inference.ModelServer.csproj "${build_flags[@]}"

echo "== models"
/usr/bin/python3 tests/models/make_mlp.py "$work/mlp.onnx"
models=("iris:tests/models/iris/1/model.onnx" "mlp:$work/mlp.onnx")

# h2load prints "time for request: min max mean sd +/-sd" with units us, ms or s.
to_us() {
  awk -v v="$1" 'BEGIN {
    if (v ~ /us$/) { sub(/us$/, "", v); printf "%.0f", v }
    else if (v ~ /ms$/) { sub(/ms$/, "", v); printf "%.0f", v * 1000 }
    else { sub(/s$/, "", v); printf "%.0f", v * 1000000 } }'
}

# utime + stime of a process, in clock ticks (fields 14 and 15 of /proc/PID/stat, counted after the ")").
cpu_ticks() { sed 's/.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 }'; }
ticks_per_second="$(getconf CLK_TCK)"

rss_kb() { awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status"; }

start_server() { # executable name model log [extra flags...]
  local executable="$1" name="$2" model="$3" log="$4"; shift 4
  "$executable" --model "$model" --name "$name" --version 1 --host 127.0.0.1 --port 0 --http-port 0 "$@" >"$log" 2>&1 &
  server_pid=$!
  running+=("$server_pid")
  # Port 0: the bound ports come from the "Listening: grpc=… http=…" log line.
  local deadline=$((SECONDS + 60)) line=""
  grpc_port=""; http_port=""
  while :; do
    line="$(grep -m1 'Listening: grpc=' "$log" || true)"
    if [ -n "$line" ] && [ -z "$grpc_port" ]; then
      grpc_port="$(sed -n 's/.*grpc=[^ ]*:\([0-9][0-9]*\).*/\1/p' <<<"$line")"
      http_port="$(sed -n 's/.*http=[^ ]*:\([0-9][0-9]*\).*/\1/p' <<<"$line")"
    fi
    if [ -n "$http_port" ] && curl -fs "http://127.0.0.1:$http_port/readyz" >/dev/null 2>&1; then
      break
    fi
    if ! kill -0 "$server_pid" 2>/dev/null || [ $SECONDS -ge $deadline ]; then
      echo "modelserver-bench: the server did not become ready; its log:" >&2
      cat "$log" >&2
      exit 1
    fi
    sleep 0.1
  done
}

stop_server() { # pid
  kill "$1"
  wait "$1" 2>/dev/null || true
}

# From the server's /metrics: "<ModelInfer calls with grpc_code OK> <other codes> <ONNX Runtime runs>".
server_counters() {
  curl -fs "http://127.0.0.1:$1/metrics" 2>/dev/null | awk '
    /^inference_requests_total\{/ && /method="ModelInfer"/ {
      if ($0 ~ /grpc_code="OK"/) ok += $NF; else bad += $NF }
    /^inference_compute_duration_seconds_count/ { runs += $NF }
    END { printf "%d %d %d\n", ok, bad, runs }'
}

# Non-OK ModelInfer calls by grpc_code since the server started: "RESOURCE_EXHAUSTED=3 CANCELLED=1".
server_error_codes() {
  curl -fs "http://127.0.0.1:$1/metrics" 2>/dev/null | awk '
    /^inference_requests_total\{/ && /method="ModelInfer"/ && !/grpc_code="OK"/ {
      match($0, /grpc_code="[^"]*"/); n[substr($0, RSTART + 11, RLENGTH - 12)] += $NF }
    END { for (c in n) printf "%s=%d ", c, n[c] }'
}

results="$work/results.tsv"
: >"$results"
floor_file="$work/floor.txt"
: >"$floor_file"
modes="${BENCH_MODES:-unbatched unbatched-wide batched batched-wide}"

for entry in "${models[@]}"; do
  name="${entry%%:*}"; model="${entry#*:}"
  case " ${BENCH_MODELS:-iris mlp} " in *" $name "*) ;; *) continue ;; esac

  run_floor() {
    echo "== floor: $name (in-process session.Run, the server's session options, threads 1 and $cores, batch 1 and $max_batch)"
    "$bench" floor --model "$model" --label "$name" --threads "1,$cores" --batch "1,$max_batch" \
      --seconds "$floor_seconds" --warmup 1 | tee -a "$floor_file"
  }
  # Measured before and after the model's server runs; the better of the two counts (other load on
  # the machine only ever lowers it).
  run_floor

  "$bench" body --model "$model" --name "$name" --out "$work/$name.bin"

  for mode in $modes; do
    case "$mode" in
      unbatched) flags=() ;;
      unbatched-wide) flags=(--max-in-flight "$max_batch") ;;  # admission as wide as batched-wide
      batched) flags=(--batching) ;;  # the server's defaults: batches of 32, admission 2 x 32
      batched-wide) flags=(--batching --max-batch-size "$max_batch" --max-in-flight "$max_batch" --max-batch-delay-us "$batch_delay_us") ;;
      *) echo "modelserver-bench: unknown mode $mode" >&2; exit 1 ;;
    esac
    builds=("$mode:$server")
    [ -z "$baseline" ] || builds+=("$mode@base:$baseline")
    # Every build of the mode runs at once; the rows alternate between them (round by round with BENCH_ROUNDS),
    # so that load from elsewhere on the machine falls on both alike.
    labels=(); pids=(); grpc_ports=(); http_ports=()
    for build in "${builds[@]}"; do
      label="${build%%:*}"; executable="${build#*:}"
      log="$work/server-$name-$label.log"
      echo "== server: $name $label ${flags[*]:-} ($executable)"
      # shellcheck disable=SC2086 # BENCH_SERVER_FLAGS is a list of words
      start_server "$executable" "$name" "$model" "$log" "${flags[@]}" ${BENCH_SERVER_FLAGS:-}
      labels+=("$label"); pids+=("$server_pid"); grpc_ports+=("$grpc_port"); http_ports+=("$http_port")
      echo "   $(grep -m1 'Listening: grpc=' "$log" | sed 's/^.*Listening/Listening/')"
      echo "   pid $server_pid, rss when ready: $(rss_kb "$server_pid" VmRSS) kB"
      "$bench" check --url "http://127.0.0.1:$grpc_port" --body "$work/$name.bin" | sed 's/^/   /'
      # Unrecorded load first, so that JIT tiering is done before the rows that count.
      h2load -D 2 -c 1 -m 16 -t 1 -H 'content-type: application/grpc' -H 'te: trailers' -d "$work/$name.bin" \
        "http://127.0.0.1:$grpc_port/inference.GRPCInferenceService/ModelInfer" >/dev/null 2>&1 || true
    done

    for shape in ${BENCH_SHAPES:-1x1 1x64 4x16}; do
      connections=${shape%x*}; streams=${shape#*x}
      for round in $(seq 1 "${BENCH_ROUNDS:-1}"); do
      suffix=""
      [ "${BENCH_ROUNDS:-1}" = 1 ] || suffix="#$round"
      for i in "${!labels[@]}"; do
      label="${labels[$i]}"; server_pid="${pids[$i]}"; grpc_port="${grpc_ports[$i]}"; http_port="${http_ports[$i]}"
      url="http://127.0.0.1:$grpc_port"
      out="$work/h2load-$name-$label-$connections-$streams-$round.txt"
      read -r ok0 bad0 runs0 <<<"$(server_counters "$http_port")"
      cpu0="$(cpu_ticks "$server_pid")"
      # bash's time keyword gives h2load's own CPU: it shares the machine's cores with the server.
      { TIMEFORMAT='%U %S'; time h2load -D "$seconds" --warm-up-time "$warmup" -c "$connections" -m "$streams" -t 1 \
        -H 'content-type: application/grpc' -H 'te: trailers' -d "$work/$name.bin" \
        "$url/inference.GRPCInferenceService/ModelInfer" >"$out" 2>&1 || true; } 2>"$out.cpu"
      cpu1="$(cpu_ticks "$server_pid")"
      read -r ok1 bad1 runs1 <<<"$(server_counters "$http_port")"
      rps="$(awk '/^finished in/ { gsub(",", "", $4); print $4 }' "$out")"
      read -r total done succeeded failed errored <<<"$(awk '/^requests:/ {
        gsub(",", ""); print $2, $6, $8, $10, $12 }' "$out")"
      ok2xx="$(awk '/^status codes:/ { print $3 }' "$out")"
      mean="$(awk '/^time for request:/ { print $6 }' "$out")"
      if [ -z "$rps" ] || [ "${failed:-1}" != 0 ] || [ "${errored:-1}" != 0 ] || [ "${ok2xx:-0}" != "${succeeded:-x}" ]; then
        echo "modelserver-bench: h2load reported failures ($name $label $connections x $streams):" >&2
        cat "$out" >&2
        exit 1
      fi
      # h2load counts HTTP 200 only; the server's counters say how many were grpc-status OK (they
      # include the warm-up second and requests still in flight when h2load stopped).
      grpc_errors=$((bad1 - bad0))
      calls=$((ok1 - ok0 + grpc_errors))
      if [ "$calls" -eq 0 ]; then
        # No counters from the server: fall back to h2load's count (the main phase only).
        grpc_errors="n/a"; calls="$succeeded"
      elif [ "$grpc_errors" -gt $((connections * streams)) ]; then
        # More than the streams h2load can leave in flight at its stop: real failures.
        echo "   WARNING: $grpc_errors calls not OK ($(server_error_codes "$http_port"))" >&2
        grpc_errors="$grpc_errors!"
      fi
      rows_per_run="$(awk -v c="$calls" -v r="$((runs1 - runs0))" 'BEGIN { if (r > 0) printf "%.1f", c / r; else print "-" }')"
      server_cpu_us="$(awk -v t="$((cpu1 - cpu0))" -v hz="$ticks_per_second" -v c="$calls" 'BEGIN { printf "%.1f", t / hz * 1e6 / c }')"
      h2load_cpu_us="$(awk -v c="$calls" '{ printf "%.1f", ($1 + $2) * 1e6 / c }' "$out.cpu")"
      rss="$(rss_kb "$server_pid" VmRSS)"
      printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$label$suffix" "$connections" "$streams" "$rps" \
        "$(to_us "$mean")" "$rss" "$succeeded" "$grpc_errors" "$rows_per_run" "$server_cpu_us" "$h2load_cpu_us" >>"$results"
      echo "   $label$suffix ${connections}x${streams}: $rps req/s, mean $mean, $succeeded HTTP 2xx; server: $((ok1 - ok0)) OK, $grpc_errors not OK," \
        "$rows_per_run requests per Run, $server_cpu_us µs CPU per request (h2load $h2load_cpu_us); rss $rss kB"
      done
      done
    done

    for i in "${!labels[@]}"; do
      label="${labels[$i]}"; server_pid="${pids[$i]}"; http_port="${http_ports[$i]}"
      "$bench" check --url "http://127.0.0.1:${grpc_ports[$i]}" --body "$work/$name.bin" --count 20 | tail -1 | sed "s/^/   $label after load: /"
      echo "   $label not-OK calls by grpc_code over the server's life: $(server_error_codes "$http_port")"
      peak="$(rss_kb "$server_pid" VmHWM)"
      echo "   $label peak rss (VmHWM): $peak kB, threads: $(rss_kb "$server_pid" Threads)"
      printf 'peak\t%s\t%s\t%s\n' "$name" "$label" "$peak" >>"$results"
      stop_server "$server_pid"
    done
  done
  run_floor
done

floor_rate() { # model threads batch -> the best runs/s measured
  grep "^floor model=$1 threads=$2 batch=$3 " "$floor_file" |
    sed -n 's/.* runs_per_s=\([^ ]*\).*/\1/p' | sort -g | tail -1
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'; }

echo
echo "== results ($(date -u '+%Y-%m-%d %H:%M UTC'), load average at start $load_start, now $(cut -d' ' -f1-3 /proc/loadavg)):"
echo "   $cores cores, h2load -t 1 on the same machine, ${seconds} s per row after ${warmup} s warm-up"
echo "   (vs floor: req/s over in-process runs/s at batch 1 with 1 thread for 1 stream, $cores threads otherwise)"
echo "   (req/Run: requests per ONNX Runtime Run; cpu: server CPU µs per request, and h2load's;"
echo "    not OK: calls the server counted with another grpc_code than OK during the row; h2load stops"
echo "    with up to streams-many calls in flight, which end CANCELLED; more is flagged with !)"
[ -z "$baseline" ] || echo "   (mode@base: the baseline build $baseline; vs base: this build's req/s over the baseline's)"
printf '%-5s %-19s %-7s %9s %9s %13s %8s %8s %7s %7s %6s %7s %7s %7s\n' \
  model mode streams 'req/s' 'mean µs' 'floor runs/s' 'vs floor' 'vs unbat' 'vs base' 'req/Run' 'not OK' 'cpu µs' 'h2load' 'RSS MB'
while IFS=$'\t' read -r name mode connections streams rps mean rss succeeded grpc_errors rows_per_run server_cpu_us h2load_cpu_us; do
  [ "$name" = peak ] && continue
  plain="${mode%%#*}"; suffix="${mode#"$plain"}"
  base="$(awk -F'\t' -v n="$name" -v m="$plain@base$suffix" -v c="$connections" -v s="$streams" \
    '$1 == n && $2 == m && $3 == c && $4 == s { print $5 }' "$results")"
  threads=$([ "$((connections * streams))" -eq 1 ] && echo 1 || echo "$cores")
  floor="$(floor_rate "$name" "$threads" 1)"
  unbatched="$(awk -F'\t' -v n="$name" -v m="unbatched$suffix" -v c="$connections" -v s="$streams" \
    '$1 == n && $2 == m && $3 == c && $4 == s { print $5 }' "$results")"
  printf '%-5s %-19s %-7s %9.0f %9s %10.0f@%-2s %8s %8s %7s %7s %6s %7s %7s %7.1f\n' "$name" "$mode" "${connections}x${streams}" \
    "$rps" "$mean" "$floor" "$threads" "$(ratio "$rps" "$floor")" "$(ratio "$rps" "${unbatched:-0}")" "$(ratio "$rps" "${base:-0}")" \
    "$rows_per_run" "$grpc_errors" "$server_cpu_us" "$h2load_cpu_us" "$(awk -v k="$rss" 'BEGIN { print k / 1024 }')"
done <"$results"

echo
echo "floor (in-process, measured before and after each model's server runs; the table uses the better;"
echo "batch $max_batch shows what one merged Run of $max_batch rows costs):"
grep '^floor' "$floor_file" | sed 's/^floor //'
echo
echo "peak RSS of the server (VmHWM):"
awk -F'\t' '$1 == "peak" { printf "  %-5s %-19s %.1f MB\n", $2, $3, $4 / 1024 }' "$results"

echo
echo "goals:"
rate_of() { awk -F'\t' -v n="$1" -v m="$2" -v c="$3" -v s="$4" '$1 == n && $2 == m && $3 == c && $4 == s { print $5 }' "$results"; }
for name in iris mlp; do
  for shape in "1 1 1" "1 64 $cores"; do
    set -- $shape
    r="$(rate_of "$name" unbatched "$1" "$2")"
    [ -n "$r" ] || continue
    echo "  $name gRPC ${1}x${2} / floor@$3 threads: $(ratio "$r" "$(floor_rate "$name" "$3" 1)") (goal ≥ 0.80)"
  done
done
for mode in batched batched-wide; do
  for base in unbatched unbatched-wide; do
    r="$(rate_of iris "$mode" 1 64)"; u="$(rate_of iris "$base" 1 64)"
    if [ -n "$r" ] && [ -n "$u" ]; then echo "  iris $mode / $base at 1x64: $(ratio "$r" "$u") (goal ≥ 2)"; fi
  done
done
peak_iris="$(awk -F'\t' '$1 == "peak" && $2 == "iris" && $4 > m { m = $4 } END { print m + 0 }' "$results")"
echo "  iris peak RSS: $(awk -v k="$peak_iris" 'BEGIN { printf "%.1f", k / 1024 }') MB (goal ≤ 150 MB)"
