#!/usr/bin/env bash
# Renders the chart with its default values and with every ci/*.yaml, as `helm template` would,
# after running the renderer's own tests. Needs Go and Debian's golang-github-masterminds-sprig-dev
# and golang-gopkg-yaml.v3-dev (GOPATH mode, offline). Output goes to $OUT (default: a temp dir).
#   bash tests/helm/render-all.sh            # render all, print where
#   OUT=/tmp/rendered bash tests/helm/render-all.sh
#   bash tests/helm/render-all.sh --help     # this text
set -euo pipefail
case "${1:-}" in
  -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
esac
here="$(cd "$(dirname "$0")" && pwd)"
chart="$here/../../helm/inference"
out="${OUT:-$(mktemp -d)}"
export GOPATH="${GOPATH:+$GOPATH:}/usr/share/gocode" GO111MODULE=off GOPROXY=off
(cd "$here" && go test render.go render_test.go)
(cd "$here" && go build -o "$out/inference-render" render.go)
"$out/inference-render" -chart "$chart" -notes > "$out/default.yaml"
for values in "$chart"/ci/*.yaml; do
  name="$(basename "$values" .yaml)"
  "$out/inference-render" -chart "$chart" -f "$values" -name inference -namespace inference -notes > "$out/$name.yaml"
  echo "$name: $(grep -c '^# Source:' "$out/$name.yaml") objects"
done
echo "rendered into $out"
