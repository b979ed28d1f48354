#!/usr/bin/env bash
# The local stack in one command: the example model's two versions as two model servers, the router
# in front with a 90/10 experiment, then a dozen calls printed with the tags that say who served them.
#
#   router/example/run-stack.sh          # keep the stack running until Ctrl-C
#   router/example/run-stack.sh --once   # make the calls, then stop everything (used by the tests)
#   router/example/run-stack.sh --shadow # also a shadow version 3 (the v2 model) that every call is copied to;
#                                        # the router compares its answers and prints what agreed
#   router/example/run-stack.sh --help   # this text
#
# Environment: ROUTER_PORT (8080) and ADMIN_PORT (8081), 0 for any free port; ROUTER_ADMIN_TOKEN
# (default local-admin-token); STACK_DIR for the config and logs (default .cache/stack).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
once=0
shadow=0
for argument in "$@"; do
  case "$argument" in
    --once) once=1 ;;
    --shadow) shadow=1 ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "usage: $0 [--once] [--shadow] (see --help)" >&2; exit 2 ;;
  esac
done

router_port=${ROUTER_PORT:-8080}
admin_port=${ADMIN_PORT:-8081}
export ROUTER_ADMIN_TOKEN=${ROUTER_ADMIN_TOKEN:-local-admin-token}
stack=${STACK_DIR:-$root/.cache/stack}
mkdir -p "$stack"
rm -f "$stack"/*.log

pids=()
stop_all() {
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
}
trap stop_all EXIT
trap 'exit 130' INT TERM

# wait_for_line <log> <pid> <extended regex>: prints the first matching line, fails if the process dies.
wait_for_line() {
  local log=$1 pid=$2 pattern=$3
  for _ in $(seq 1 600); do
    if line=$(grep -m1 -E "$pattern" "$log" 2>/dev/null); then
      printf '%s\n' "$line"
      return 0
    fi
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "process $pid exited; its log ($log):" >&2
      cat "$log" >&2
      return 1
    fi
    sleep 0.1
  done
  echo "timed out waiting for '$pattern' in $log" >&2
  return 1
}

if ! command -v dotnet >/dev/null; then
  echo "dotnet not found: install the .NET 10 SDK (Debian/Ubuntu package dotnet-sdk-10.0, or https://dot.net)" >&2
  exit 1
fi

# build <project>: builds in Release, printing a heartbeat with the elapsed time every 10 s (a first build
# restores the NuGet packages and compiles everything: a few minutes on a small machine).
build() {
  local project=$1 started=$SECONDS out="$stack/build.log" status=0
  echo "   $(basename "$project" .csproj)"
  dotnet build "$root/$project" -c Release -nologo -v q >"$out" 2>&1 &
  local pid=$! next=10
  while kill -0 "$pid" 2>/dev/null; do
    sleep 1
    if (( SECONDS - started >= next )); then
      echo "   … still building $(basename "$project" .csproj): $((SECONDS - started)) s"
      next=$((next + 10))
    fi
  done
  wait "$pid" || status=$?
  if (( status != 0 )); then
    cat "$out" >&2
    echo "build of $project failed (log: $out)" >&2
    exit 1
  fi
}

echo "== building (Release; the first build restores packages and takes a few minutes)"
for project in services/Inference.ModelServer/Inference.ModelServer.csproj \
               router/Inference.Router/Inference.Router.csproj \
               services/Inference.Client.Example/Inference.Client.Example.csproj \
               router/Inference.Experiments/Inference.Experiments.csproj; do
  build "$project"
done
bin() { echo "$root/$1/bin/Release/net10.0/$2"; }

declare -A grpc_url
# The shadow, version 3, serves the v2 model: it answers differently from v1 and like v2.
declare -A model_of=([1]=1 [2]=2 [3]=2)
versions=(1 2)
if [[ $shadow == 1 ]]; then versions+=(3); fi
for version in "${versions[@]}"; do
  log="$stack/iris-v$version.log"
  "$(bin services/Inference.ModelServer Inference.ModelServer)" \
    --model "$root/tests/models/iris/${model_of[$version]}/model.onnx" --name iris --version "$version" \
    --host 127.0.0.1 --port 0 --http-port 0 >"$log" 2>&1 &
  pids+=($!)
  listening=$(wait_for_line "$log" $! 'Listening: grpc=')
  wait_for_line "$log" $! 'Ready: ' >/dev/null
  grpc_url[$version]=$(sed -E 's/.*grpc=([^ ]+).*/\1/' <<<"$listening")
  echo "== model server iris v$version ready at ${grpc_url[$version]} (log: $log)"
done

shadow_version="" shadow_section=""
if [[ $shadow == 1 ]]; then
  shadow_version=",
        \"3\": { \"endpoints\": [\"${grpc_url[3]}\"] }"
  shadow_section="
        \"shadow\": { \"version\": \"3\", \"percent\": 100, \"absoluteTolerance\": 1e-5, \"relativeTolerance\": 1e-4 },"
fi

cat >"$stack/router.json" <<JSON
{
  "models": {
    "iris": {
      "versions": {
        "1": { "endpoints": ["${grpc_url[1]}"] },
        "2": { "endpoints": ["${grpc_url[2]}"] }$shadow_version
      },
      "experiment": {
        "name": "iris-v2-rollout",
        "stickyHeader": "x-user-id",
        "allowOverride": true,
        "control": "control",$shadow_section
        "guard": { "windowSeconds": 60, "minRequests": 200, "maxErrorRateIncrease": 0.02, "maxP99LatencyRatio": 2.0 },
        "groups": [
          { "name": "control",   "version": "1", "weight": 90 },
          { "name": "treatment", "version": "2", "weight": 10 }
        ],
        "metrics": [ { "name": "clicked", "kind": "boolean" } ]
      }
    }
  }
}
JSON

log="$stack/router.log"
# A local stack has no load balancer to wait for (--drain-delay-ms): Ctrl-C stops it at once.
"$(bin router/Inference.Router Inference.Router)" --config "$stack/router.json" \
  --host 127.0.0.1 --port "$router_port" --admin-port "$admin_port" --drain-delay-ms 0 >"$log" 2>&1 &
pids+=($!)
listening=$(wait_for_line "$log" $! 'Now listening: grpc=')
router_url=$(sed -E 's/.*grpc=([^ ]+).*/\1/' <<<"$listening")
admin_url=$(sed -E 's/.*admin=([^ ]+).*/\1/' <<<"$listening")
echo "== router at $router_url, admin API at $admin_url (config: $stack/router.json, log: $log)"

echo
echo "== a dozen users call iris through the router (sticky on x-user-id, 90/10 split)"
echo "   (each answer's outcome 'clicked' is reported back to the router)"
dotnet "$(bin services/Inference.Client.Example Inference.Client.Example.dll)" --address "$router_url" --users 12 --outcome clicked

# The same through Python's reference gRPC implementation, when it is installed.
python=""
for candidate in /usr/bin/python3 python3; do
  if command -v "$candidate" >/dev/null && "$candidate" -c 'import grpc, grpc_tools' 2>/dev/null; then
    python=$candidate
    break
  fi
done
echo
if [[ -n $python ]]; then
  echo "== the same users from python3-grpcio"
  "$python" "$root/router/example/call_router.py" --address "${router_url#http://}" --users 3 \
    --stubs "$stack/python" --outcome clicked
else
  echo "== the Python example is skipped: it needs python3-grpcio and python3-grpc-tools (apt install python3-grpcio python3-grpc-tools)"
fi

if [[ $shadow == 1 ]]; then
  echo
  echo "== shadow version 3 (the v2 model): its copies compared with the answers the callers got"
  # Copies leave after each answer: wait until every copy sent has a result.
  for _ in $(seq 1 100); do
    results=$(curl -s "$admin_url/metrics" | grep '^router_shadow_requests_total' || true)
    if awk '/result="sent"/ {sent += $NF} /result="(agreed|disagreed|failed)"/ {done += $NF} END {exit !(sent > 0 && done >= sent)}' <<<"$results"; then
      break
    fi
    sleep 0.1
  done
  sed -E 's/^router_shadow_requests_total\{.*primary="([^"]+)".*result="([^"]+)".*\} ([0-9.]+)$/shadow v3 vs v\1: \3 \2/' <<<"$results" | sort
fi

echo
echo "== the experiment's results so far: assigned per group, the sample-ratio check, the click rate per group"
dotnet "$(bin router/Inference.Experiments inference-exp.dll)" results iris --admin "$admin_url" || true

cat <<HINTS

== try it (admin token: \$ROUTER_ADMIN_TOKEN = $ROUTER_ADMIN_TOKEN)
  curl -s -H "Authorization: Bearer $ROUTER_ADMIN_TOKEN" $admin_url/admin/models
  curl -s -X PUT -H "Authorization: Bearer $ROUTER_ADMIN_TOKEN" -H 'Content-Type: application/json' \\
       -d '{"control": 50, "treatment": 50}' $admin_url/admin/models/iris/experiment/weights
  curl -s -X POST -H "Authorization: Bearer $ROUTER_ADMIN_TOKEN" $admin_url/admin/models/iris/experiment/rollback
  dotnet $(bin services/Inference.Client.Example Inference.Client.Example.dll) --address $router_url
  curl -s $admin_url/metrics | grep '^router_'
  curl -s $admin_url/metrics | grep -E '^router_(shadow|guard)_'   # shadow comparisons, guard window
  dotnet $(bin router/Inference.Experiments inference-exp.dll) results iris --admin $admin_url
HINTS

if [[ $once == 1 ]]; then
  exit 0
fi
echo
echo "== running; Ctrl-C stops the router and both model servers"
wait
