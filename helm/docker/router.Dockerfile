# syntax=docker/dockerfile:1
# Inference.Router (the A/B router) on the ASP.NET Core runtime, as non-root UID 10001.
# Build from the repository root (helm/docker/build.sh does, and README.md shows docker buildx):
#   docker build -f helm/docker/router.Dockerfile --build-arg VERSION=<Version of Directory.Build.props> \
#     --build-arg REVISION=$(git rev-parse HEAD) -t inference/router:<version> .

# Official .NET images by default. Pin the SDK to the repository's global.json band if the floating
# tag ever moves below it, e.g. --build-arg SDK_IMAGE=mcr.microsoft.com/dotnet/sdk:10.0.401
ARG SDK_IMAGE=mcr.microsoft.com/dotnet/sdk:10.0
ARG RUNTIME_IMAGE=mcr.microsoft.com/dotnet/aspnet:10.0

# The SDK runs on the build machine's architecture (no emulation) and publishes for the target's.
FROM --platform=$BUILDPLATFORM ${SDK_IMAGE} AS build
ARG TARGETARCH
ARG VERSION
ARG PROJECT=router/Inference.Router/Inference.Router.csproj
WORKDIR /src
COPY . .
RUN --mount=type=cache,id=inference-nuget,target=/root/.nuget/packages \
    arch="${TARGETARCH:-$(dpkg --print-architecture)}" \
 && case "$arch" in amd64) rid=linux-x64 ;; arm64) rid=linux-arm64 ;; \
      *) echo "no .NET runtime identifier for architecture '$arch'" >&2; exit 1 ;; esac \
 && dotnet publish "$PROJECT" -c Release -r "$rid" --self-contained false -p:UseAppHost=false -o /app -nologo
# The image's labels must tell the truth: VERSION, when given, is the version the assemblies carry.
RUN test -f /app/Inference.Router.dll && test -f /app/Yarp.ReverseProxy.dll \
 && if [ -n "$VERSION" ] && ! grep -q "\"Inference.Router/$VERSION\"" /app/Inference.Router.deps.json; then \
      echo "VERSION=$VERSION is not the version the assemblies carry (<Version> in Directory.Build.props)" >&2; exit 1; fi
# The runtime stage runs no command (a foreign-architecture image builds without an emulator), so
# the folders it needs are made here and copied with their owners.
RUN mkdir -p /rootfs/etc/inference-router /rootfs/var/lib/inference-router

FROM ${RUNTIME_IMAGE}
ARG VERSION
ARG REVISION
ARG SOURCE
LABEL org.opencontainers.image.title="inference-router" \
      org.opencontainers.image.description="A/B router for ONNX model versions served over gRPC (Open Inference Protocol v2)" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.source="${SOURCE}"
COPY --from=build /rootfs/etc/inference-router /etc/inference-router
# The state file's folder is the only place the router writes besides /tmp.
COPY --from=build --chown=10001:10001 /rootfs/var/lib/inference-router /var/lib/inference-router
COPY --from=build /app /app
WORKDIR /app
# The router binds the ports its flags name; the base image's default (8080) would only warn.
ENV ASPNETCORE_HTTP_PORTS= \
    DOTNET_NOLOGO=1
# The chart runs every container as UID/GID 10001; a numeric USER lets runAsNonRoot verify it.
USER 10001:10001
# 8080: gRPC (h2c) for callers. 8081: admin API, /metrics, /healthz, /readyz. Without a token
# (ROUTER_ADMIN_TOKEN or --admin-token-file) the admin port listens on 127.0.0.1 only.
EXPOSE 8080 8081
# For plain `docker run`; on Kubernetes the probes are the check. Assumes --admin-port 8081. No curl
# in the image: bash's /dev/tcp speaks the one request needed.
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/8081 && printf 'GET /healthz HTTP/1.1\\r\\nHost: localhost\\r\\nConnection: close\\r\\n\\r\\n' >&3 && head -n 1 <&3 | grep -q ' 200 '"]
ENTRYPOINT ["dotnet", "/app/Inference.Router.dll"]
CMD ["--config", "/etc/inference-router/router.json", "--state-file", "/var/lib/inference-router/state.json"]
