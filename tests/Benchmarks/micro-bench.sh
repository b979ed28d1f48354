#!/usr/bin/env bash
# BenchmarkDotNet micro-benchmarks of hot paths, each with a baseline measured in the same run
# (ratio and allocated bytes per operation). On demand, not a test; a few minutes.
#   tests/Benchmarks/micro-bench.sh [BenchmarkDotNet arguments, default: --filter '*' --job medium]
#   tests/Benchmarks/micro-bench.sh --help   # this text
set -euo pipefail
case "${1:-}" in
  -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
esac
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
artifacts=$(mktemp -d)
trap 'rm -rf "$artifacts"' EXIT

dotnet build "$root/tests/Benchmarks/MicroBench/MicroBench.csproj" -c Release -nologo -v q >/dev/null
args=("$@")
if [[ ${#args[@]} == 0 ]]; then
  args=(--filter '*' --job medium)
fi
# In-process: no generated project to restore and build, so it runs wherever the solution builds.
dotnet "$root/tests/Benchmarks/MicroBench/bin/Release/net10.0/MicroBench.dll" "${args[@]}" \
  --inProcess --artifacts "$artifacts" >"$artifacts/run.log" 2>&1 || { cat "$artifacts/run.log"; exit 1; }
# The console summaries (environment once, then one table per benchmark class).
awk '/^\/\/ \* Summary \*/ { on = 1; next } /^\/\/ \* (Legends|Warnings|Hints) \*/ { on = 0 } on && NF' "$artifacts/run.log"
