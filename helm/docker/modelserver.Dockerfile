# syntax=docker/dockerfile:1
# Inference.ModelServer on the ASP.NET Core runtime, with ONNX Runtime's native library (from the
# Microsoft.ML.OnnxRuntime NuGet package).
# Build from the repository root:
#   docker build -f helm/docker/modelserver.Dockerfile -t inference/modelserver:0.1.0 .
# Run (the model is mounted, or baked in with model.Dockerfile):
#   docker run -p 8001:8001 -p 8002:8002 -v "$PWD/iris.onnx:/models/model.onnx:ro" \
#     inference/modelserver:0.1.0 --model /models/model.onnx --name iris --version 1

# Pin the SDK to the repository's global.json band if the floating tag moves below it, e.g.
#   --build-arg SDK_IMAGE=mcr.microsoft.com/dotnet/sdk:10.0.401
ARG SDK_IMAGE=mcr.microsoft.com/dotnet/sdk:10.0
ARG RUNTIME_IMAGE=mcr.microsoft.com/dotnet/aspnet:10.0

FROM ${SDK_IMAGE} AS build
WORKDIR /src
COPY . .
ARG PROJECT=services/Inference.ModelServer/Inference.ModelServer.csproj
RUN --mount=type=cache,target=/root/.nuget/packages \
    dotnet publish "$PROJECT" -c Release -o /app -p:UseAppHost=false
# inference-batch, the chart's batch Job command, in its own folder (its dependencies are not the server's).
RUN --mount=type=cache,target=/root/.nuget/packages \
    dotnet publish services/Inference.Batch/Inference.Batch.csproj -c Release -o /app/batch -p:UseAppHost=false
# Fail the build, not the first request, if the native library is not in the output.
RUN ls /app/runtimes/linux-*/native/libonnxruntime.so >/dev/null && test -f /app/Inference.ModelServer.dll \
 && test -f /app/batch/inference-batch.dll

FROM ${RUNTIME_IMAGE}
# The chart runs every container as UID/GID 10001 (runAsNonRoot needs a numeric USER).
RUN groupadd --system --gid 10001 inference \
 && useradd --system --uid 10001 --gid 10001 --no-create-home --home-dir /nonexistent \
      --shell /usr/sbin/nologin inference \
 && mkdir -p /models
WORKDIR /app
COPY --from=build --chown=root:root /app /app
# The server binds the ports its flags name; the base image's default (8080) would only warn.
ENV ASPNETCORE_HTTP_PORTS= \
    DOTNET_NOLOGO=1
USER 10001:10001
# 8001: gRPC (h2c). 8002: HTTP/1.1 /metrics, /healthz, /readyz.
EXPOSE 8001 8002
# For plain `docker run`; on Kubernetes the probes are the check (the kubelet ignores HEALTHCHECK).
# No curl in this image: bash's /dev/tcp speaks the one request needed. Assumes --http-port 8002.
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s --retries=3 \
  CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/8002 && printf 'GET /healthz HTTP/1.1\\r\\nHost: localhost\\r\\nConnection: close\\r\\n\\r\\n' >&3 && head -n 1 <&3 | grep -q ' 200 '"]
ENTRYPOINT ["dotnet", "/app/Inference.ModelServer.dll"]
CMD ["--help"]
