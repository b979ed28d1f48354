# syntax=docker/dockerfile:1
# Inference.ModelServer on the ASP.NET Core runtime with ONNX Runtime's native library, as non-root
# UID 10001. Build from the repository root (helm/docker/build.sh does, and README.md shows docker buildx):
#   docker build -f helm/docker/modelserver.Dockerfile --build-arg VERSION=<Version of Directory.Build.props> \
#     --build-arg REVISION=$(git rev-parse HEAD) -t inference/modelserver:<version> .
# Run (the model is mounted, or baked in with model.Dockerfile):
#   docker run -p 8001:8001 -p 8002:8002 -v "$PWD/iris.onnx:/models/model.onnx:ro" \
#     inference/modelserver:<version> --model /models/model.onnx --name iris --version 1

# Official .NET images by default. Pin the SDK to the repository's global.json band if the floating
# tag ever moves below it, e.g. --build-arg SDK_IMAGE=mcr.microsoft.com/dotnet/sdk:10.0.401
ARG SDK_IMAGE=mcr.microsoft.com/dotnet/sdk:10.0
ARG RUNTIME_IMAGE=mcr.microsoft.com/dotnet/aspnet:10.0

# The SDK runs on the build machine's architecture (no emulation) and publishes for the target's:
# the runtime identifier picks ONNX Runtime's native library for it from the NuGet package
# (runtimes/linux-x64 or linux-arm64), and only that one is copied out.
FROM --platform=$BUILDPLATFORM ${SDK_IMAGE} AS build
ARG TARGETARCH
ARG VERSION
ARG PROJECT=services/Inference.ModelServer/Inference.ModelServer.csproj
WORKDIR /src
COPY . .
# The server in /app; inference-batch, the chart's batch Job command, in /app/batch (its dependencies
# are not the server's).
RUN --mount=type=cache,id=inference-nuget,target=/root/.nuget/packages \
    arch="${TARGETARCH:-$(dpkg --print-architecture)}" \
 && case "$arch" in amd64) rid=linux-x64 ;; arm64) rid=linux-arm64 ;; \
      *) echo "no .NET runtime identifier for architecture '$arch'" >&2; exit 1 ;; esac \
 && dotnet publish "$PROJECT" -c Release -r "$rid" --self-contained false -p:UseAppHost=false -o /app -nologo \
 && dotnet publish services/Inference.Batch/Inference.Batch.csproj -c Release -r "$rid" --self-contained false \
      -p:UseAppHost=false -o /app/batch -nologo
# Fail the build, not the first request, if a native library is missing; and the image's labels
# must tell the truth: VERSION, when given, is the version the assemblies carry.
RUN test -f /app/libonnxruntime.so && test -f /app/Inference.ModelServer.dll \
 && test -f /app/batch/libonnxruntime.so && test -f /app/batch/inference-batch.dll \
 && if [ -n "$VERSION" ] && ! grep -q "\"Inference.ModelServer/$VERSION\"" /app/Inference.ModelServer.deps.json; then \
      echo "VERSION=$VERSION is not the version the assemblies carry (<Version> in Directory.Build.props)" >&2; exit 1; fi
# Both got the same ONNX Runtime libraries (one central package version): the batch tool's become
# links to the server's instead of a second 35 MB copy.
RUN cd /app/batch && for library in libonnxruntime*.so; do \
      cmp -s "$library" "../$library" && ln -sf "../$library" "$library"; done
# The runtime stage runs no command (a foreign-architecture image builds without an emulator), so
# the folder it needs is made here.
RUN mkdir -p /rootfs/models

FROM ${RUNTIME_IMAGE}
ARG VERSION
ARG REVISION
ARG SOURCE
LABEL org.opencontainers.image.title="inference-modelserver" \
      org.opencontainers.image.description="One version of one ONNX model served over gRPC (Open Inference Protocol v2) with ONNX Runtime" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.source="${SOURCE}"
COPY --from=build /rootfs/models /models
COPY --from=build /app /app
WORKDIR /app
# The server binds the ports its flags name; the base image's default (8080) would only warn.
ENV ASPNETCORE_HTTP_PORTS= \
    DOTNET_NOLOGO=1
# The chart runs every container as UID/GID 10001; a numeric USER lets runAsNonRoot verify it.
USER 10001:10001
# 8001: gRPC (h2c). 8002: HTTP/1.1 /metrics, /healthz, /readyz.
EXPOSE 8001 8002
# For plain `docker run`; on Kubernetes the probes are the check (the kubelet ignores HEALTHCHECK).
# No curl in the image: bash's /dev/tcp speaks the one request needed. Assumes --http-port 8002.
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s --retries=3 \
  CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/8002 && printf 'GET /healthz HTTP/1.1\\r\\nHost: localhost\\r\\nConnection: close\\r\\n\\r\\n' >&3 && head -n 1 <&3 | grep -q ' 200 '"]
ENTRYPOINT ["dotnet", "/app/Inference.ModelServer.dll"]
CMD ["--help"]
