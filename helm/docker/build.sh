#!/usr/bin/env bash
# Builds every image of the chart with buildah from the Dockerfiles in this folder: the model
# server, the router, and the example model (tests/models/iris, versions 1 and 2) on top of the model
# server. Tags come from the one version of the product, <Version> in Directory.Build.props (the
# chart's appVersion is the same), and the OCI labels from it and the git revision.
#
#   helm/docker/build.sh                      # official .NET base images (needs mcr.microsoft.com)
#   helm/docker/build.sh --stand-in-bases     # bases made here from the Debian archive + this machine's .NET
#   helm/docker/build.sh --registry registry.example.com/ml --push
#   helm/docker/build.sh --print              # only print what would be built
#
# Output: progress on stderr; on stdout one line per image, "<role> <image>", roles modelserver,
# router, iris-1, iris-2. Options:
#   --registry PREFIX    name images PREFIX/inference/<image> (the chart's image.registry); default none
#   --images LIST        a comma-separated subset of modelserver,router,iris (iris needs modelserver)
#   --stand-in-bases     for machines that reach no container registry: see stand_in_bases below
#   --push               push each image after building it (buildah push, to its own name)
#   --source URL         label org.opencontainers.image.source; default the git remote "origin" (a URL)
#   --print              print the image names and exit
# Environment: BUILDAH_ISOLATION (default chroot: RUN steps work without a container runtime).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
here=$root/helm/docker

registry=""
source_url=""
images="modelserver,router,iris"
stand_in=0
push=0
print_only=0
while [ $# -gt 0 ]; do
  case "$1" in
    --registry) registry=${2:?--registry needs a value}; shift 2 ;;
    --images) images=${2:?--images needs a value}; shift 2 ;;
    --stand-in-bases) stand_in=1; shift ;;
    --push) push=1; shift ;;
    --source) source_url=${2:?--source needs a value}; shift 2 ;;
    --print) print_only=1; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "build.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
  esac
done

log() { printf '== %s\n' "$*" >&2; }
fail() { printf 'build.sh: %s\n' "$*" >&2; exit 1; }
wants() { [[ ",$images," == *",$1,"* ]]; }

for image in ${images//,/ }; do
  case "$image" in modelserver|router|iris) ;; *) fail "unknown image '$image' in --images (modelserver, router, iris)" ;; esac
done

version=$(sed -n 's:.*<Version>\(.*\)</Version>.*:\1:p' "$root/Directory.Build.props" | head -n 1)
[ -n "$version" ] || fail "no <Version> in Directory.Build.props"
prefix=${registry:+${registry%/}/}
modelserver_image=${prefix}inference/modelserver:$version
router_image=${prefix}inference/router:$version
iris_image() { printf '%sinference/iris:%s' "$prefix" "$1"; }

print_images() {
  if wants modelserver; then echo "modelserver $modelserver_image"; fi
  if wants router; then echo "router $router_image"; fi
  if wants iris; then
    for model_version in 1 2; do echo "iris-$model_version $(iris_image "$model_version")"; done
  fi
}

if [ "$print_only" = 1 ]; then
  print_images
  exit 0
fi

command -v buildah >/dev/null || fail "buildah is not installed (Debian: apt-get install buildah)"
export BUILDAH_ISOLATION=${BUILDAH_ISOLATION:-chroot}

revision=$(git -C "$root" rev-parse HEAD 2>/dev/null || true)
if [ -z "$source_url" ]; then
  source_url=$(git -C "$root" remote get-url origin 2>/dev/null || true)
  case "$source_url" in
    git@*:*) source_url="https://${source_url#git@}"; source_url="${source_url/://}" ;;
    *://*) ;;
    *) source_url="" ;;   # a local path says nothing to the image's users
  esac
  source_url=${source_url%.git}
fi

# TARGETARCH explicitly: buildah sets it too, but warns first that it is missing.
common=(--format docker --build-arg "TARGETARCH=$(buildah info --format '{{.host.arch}}')"
        --build-arg "VERSION=$version" --build-arg "REVISION=$revision" --build-arg "SOURCE=$source_url")

# Stand-in bases, for a machine that reaches package registries but no container registry. They
# stand in for the official images under the official names with a "-stand-in-<key>" tag:
#   docker.io/library/debian:bookworm-stand-in-<key>      Debian bookworm (minbase) from the archive
#   mcr.microsoft.com/dotnet/sdk:<sdk>-stand-in-<key>     + this machine's whole .NET installation
#   mcr.microsoft.com/dotnet/aspnet:<rt>-stand-in-<key>   + only its host and shared runtimes
# The key hashes what they are made of: the recipe below, the state of the Debian archive as this
# machine last fetched it (the Release files of the three suites that apt keeps; `apt-get update`
# moves it) and the installed .NET SDKs and runtimes. They are made once per key and kept in
# buildah's image store, so later builds on this machine reuse them until an input changes (a new
# Debian point release or security update, another .NET); older keys are removed then.
debian_sources=(
  "deb http://deb.debian.org/debian bookworm main"
  "deb http://deb.debian.org/debian bookworm-updates main"
  "deb http://deb.debian.org/debian-security bookworm-security main"
)
debian_packages=ca-certificates,libstdc++6,libicu72
stand_in_bases() {
  command -v mmdebstrap >/dev/null || fail "mmdebstrap is not installed (Debian: apt-get install mmdebstrap)"
  local dotnet dotnet_root sdk runtime key
  dotnet=$(command -v dotnet) || fail "no dotnet on PATH: the stand-ins copy this machine's .NET"
  dotnet_root=$(dirname "$(readlink -f "$dotnet")")
  sdk=$(cd / && dotnet --list-sdks | awk '{print $1}' | sort -V | tail -n 1)
  runtime=$(cd / && dotnet --list-runtimes | awk '$1 == "Microsoft.AspNetCore.App" {print $2}' | sort -V | tail -n 1)
  [ -n "$sdk" ] && [ -n "$runtime" ] || fail "the stand-ins need a .NET SDK and the ASP.NET Core runtime in $dotnet_root"
  key=$( {
    sed -n '/^stand_in_bases() {/,/^}/p' "${BASH_SOURCE[0]}"   # the recipe
    printf '%s\n' "${debian_sources[@]}" "$debian_packages"
    uname -m
    for suite in bookworm bookworm-updates bookworm-security; do
      grep -h '^Date:' /var/lib/apt/lists/*_dists_"${suite}"_InRelease 2>/dev/null || date -u +%F
    done
    cd / && dotnet --list-sdks && dotnet --list-runtimes
  } | sha256sum | cut -c1-12)
  debian_base=docker.io/library/debian:bookworm-stand-in-$key
  sdk_base=mcr.microsoft.com/dotnet/sdk:$sdk-stand-in-$key
  runtime_base=mcr.microsoft.com/dotnet/aspnet:$runtime-stand-in-$key

  # One maker at a time on this machine; a second build waits and then finds them made.
  exec 9>"${TMPDIR:-/tmp}/inference-image-stand-ins.lock"
  flock 9
  if ! buildah inspect --type image "$sdk_base" >/dev/null 2>&1 || ! buildah inspect --type image "$runtime_base" >/dev/null 2>&1; then
    local container mount
    if ! buildah inspect --type image "$debian_base" >/dev/null 2>&1; then
      log "making $debian_base (mmdebstrap from the Debian archive)"
      container=$(buildah from scratch)
      mount=$(buildah mount "$container")
      # Documentation, manuals and translations are left out, as in Debian's slim images.
      mmdebstrap --quiet --variant=minbase --include="$debian_packages" \
        --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-include=/usr/share/doc/*/copyright' \
        --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/info/*' \
        --dpkgopt='path-exclude=/usr/share/locale/*' --format=directory bookworm "$mount" "${debian_sources[@]}" >&2
      buildah umount "$container" >/dev/null
      buildah config --cmd bash "$container"
      buildah commit --quiet --rm "$container" "$debian_base" >/dev/null
    fi

    log "making $sdk_base (+ $dotnet_root)"
    container=$(buildah from --pull-never "$debian_base")
    buildah add --quiet "$container" "$dotnet_root" /usr/share/dotnet >/dev/null
    buildah run "$container" -- ln -s /usr/share/dotnet/dotnet /usr/bin/dotnet
    buildah config --env DOTNET_SDK_VERSION="$sdk" --env DOTNET_VERSION="$runtime" \
      --env DOTNET_GENERATE_ASPNET_CERTIFICATE=false --env DOTNET_NOLOGO=true \
      --env DOTNET_CLI_TELEMETRY_OPTOUT=1 --env NUGET_XMLDOC_MODE=skip "$container"
    buildah commit --quiet --rm "$container" "$sdk_base" >/dev/null

    # What the official runtime image sets too: the default port the Dockerfiles turn off, and the flag.
    log "making $runtime_base (+ the .NET host and shared runtimes)"
    container=$(buildah from --pull-never "$debian_base")
    buildah add --quiet "$container" "$dotnet_root/dotnet" /usr/share/dotnet/dotnet >/dev/null
    buildah add --quiet "$container" "$dotnet_root/host" /usr/share/dotnet/host >/dev/null
    buildah add --quiet "$container" "$dotnet_root/shared" /usr/share/dotnet/shared >/dev/null
    buildah run "$container" -- ln -s /usr/share/dotnet/dotnet /usr/bin/dotnet
    buildah config --env DOTNET_VERSION="$runtime" --env ASPNET_VERSION="$runtime" \
      --env ASPNETCORE_HTTP_PORTS=8080 --env DOTNET_RUNNING_IN_CONTAINER=true "$container"
    buildah commit --quiet --rm "$container" "$runtime_base" >/dev/null

    # Stand-ins of earlier keys; one still used by a container stays (rmi refuses it).
    buildah images --format '{{.Name}}:{{.Tag}}' \
      | grep -E -- '-stand-in-[0-9a-f]{12}$' | grep -v -- "-stand-in-$key\$" \
      | xargs -r buildah rmi >/dev/null 2>&1 || true
  else
    log "reusing the stand-in bases of key $key"
  fi
  flock -u 9

  # --pull=never: the stand-ins are local. The build machine's CA bundle is mounted for NuGet's TLS
  # (the stand-in's own bundle may lack the machine's roots); a mount never ends up in the image.
  common+=(--pull=never -v /etc/ssl/certs:/etc/ssl/certs:ro
           --build-arg "SDK_IMAGE=$sdk_base" --build-arg "RUNTIME_IMAGE=$runtime_base")
}

if [ "$stand_in" = 1 ]; then
  stand_in_bases
fi

push_image() {
  if [ "$push" = 1 ]; then
    log "pushing $1"
    buildah push "$1" "docker://$1" >&2
  fi
}

if wants modelserver; then
  log "building $modelserver_image"
  buildah bud "${common[@]}" -f "$here/modelserver.Dockerfile" -t "$modelserver_image" "$root" >&2
  push_image "$modelserver_image"
fi
if wants router; then
  log "building $router_image"
  buildah bud "${common[@]}" -f "$here/router.Dockerfile" -t "$router_image" "$root" >&2
  push_image "$router_image"
fi
if wants iris; then
  for model_version in 1 2; do
    image=$(iris_image "$model_version")
    log "building $image"
    # The model's own folder is the context: only the model file goes in. --pull=false: the model
    # server image was just built here.
    buildah bud --format docker --pull=false -f "$here/model.Dockerfile" \
      --build-arg "MODELSERVER_IMAGE=$modelserver_image" --build-arg MODEL_FILE=model.onnx \
      --build-arg MODEL_NAME=iris --build-arg "MODEL_VERSION=$model_version" \
      -t "$image" "$root/tests/models/iris/$model_version" >&2
    push_image "$image"
  done
fi

print_images
