#!/usr/bin/env bash
# Puts the ONNX Runtime native library (libonnxruntime.so.1) into the repository cache,
# .cache/onnxruntime/<version>/, taking it from the onnxruntime-node npm package, which ships the
# official native builds. Runs before every build of Inference.Onnx: a cached library is hashed again
# each time (a build never copies a file that is not the release it expects), and fetched only when
# absent. Does nothing when INFERENCE_ONNXRUNTIME_LIBRARY points at an installed library.
set -euo pipefail

ORT_VERSION=1.30.0
SHA256_X64=ffb75a925ba05e47b235bb66e3e3911714a80b328a9c9425539feb204aa32a23
SHA256_ARM64=1f549d46250b005580b597f4164984aaf75b3bcb9f3aeb07c7f8a8fe60b23c76

if [ -n "${INFERENCE_ONNXRUNTIME_LIBRARY:-}" ]; then
  echo "fetch-onnxruntime: INFERENCE_ONNXRUNTIME_LIBRARY is set (${INFERENCE_ONNXRUNTIME_LIBRARY}); nothing to fetch"
  exit 0
fi

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
cache="${root}/.cache/onnxruntime/${ORT_VERSION}"
lib="${cache}/libonnxruntime.so.1"

case "$(uname -m)" in
  x86_64 | amd64) arch=x64; expected="${SHA256_X64}" ;;
  aarch64 | arm64) arch=arm64; expected="${SHA256_ARM64}" ;;
  *) echo "fetch-onnxruntime: error: no ONNX Runtime build for $(uname -m) in onnxruntime-node; set INFERENCE_ONNXRUNTIME_LIBRARY" >&2; exit 1 ;;
esac

command -v sha256sum >/dev/null || { echo "fetch-onnxruntime: error: 'sha256sum' is required" >&2; exit 1; }
sha256_of() { sha256sum "$1" | cut -d ' ' -f 1; }

# The cached copy must still be the release: a changed file fails the build instead of being shipped.
check_cached() {
  local actual
  actual="$(sha256_of "${lib}")"
  if [ "${actual}" != "${expected}" ]; then
    echo "fetch-onnxruntime: error: ${lib} has sha256 ${actual}, expected ${expected} (ONNX Runtime ${ORT_VERSION} linux/${arch}); delete ${cache} and build again to fetch it anew" >&2
    exit 1
  fi
  exit 0
}

[ -f "${lib}" ] && check_cached

for tool in npm tar; do
  command -v "${tool}" >/dev/null || { echo "fetch-onnxruntime: error: '${tool}' is required" >&2; exit 1; }
done

mkdir -p "${cache}"
# Several builds may start at once (parallel project builds): one downloads, the others wait.
exec 9>"${cache}/.lock"
if command -v flock >/dev/null; then flock 9; fi
[ -f "${lib}" ] && check_cached

work="$(mktemp -d)"
trap 'rm -rf "${work}"' EXIT

echo "fetch-onnxruntime: downloading onnxruntime-node@${ORT_VERSION} (linux/${arch} library only is kept)"
# npm pack downloads the tarball without installing it: no install scripts run.
(cd "${work}" && npm pack --ignore-scripts --silent "onnxruntime-node@${ORT_VERSION}" >/dev/null)
tarball="$(find "${work}" -maxdepth 1 -name 'onnxruntime-node-*.tgz' | head -n 1)"
[ -n "${tarball}" ] || { echo "fetch-onnxruntime: error: npm pack produced no tarball" >&2; exit 1; }

member="package/bin/napi-v6/linux/${arch}/libonnxruntime.so.1"
tar -xzf "${tarball}" -C "${work}" "${member}"

actual="$(sha256_of "${work}/${member}")"
if [ "${actual}" != "${expected}" ]; then
  echo "fetch-onnxruntime: error: sha256 mismatch for ${member}: expected ${expected}, got ${actual}" >&2
  exit 1
fi

# Rename into place so a concurrent reader never sees a half-written file.
cp "${work}/${member}" "${lib}.partial"
mv -f "${lib}.partial" "${lib}"
echo "fetch-onnxruntime: ${lib}"
