# syntax=docker/dockerfile:1
# Inference.Router (the A/B router) on the ASP.NET Core runtime.
# Build from the repository root:
#   docker build -f helm/docker/router.Dockerfile -t inference/router:0.1.0 .
# Run:
#   docker run -p 8080:8080 -p 8081:8081 -e ROUTER_ADMIN_TOKEN=change-me \
#     -v "$PWD/router.json:/etc/inference-router/router.json:ro" inference/router:0.1.0

# Pin the SDK to the repository's global.json band if the floating tag moves below it, e.g.
#   --build-arg SDK_IMAGE=mcr.microsoft.com/dotnet/sdk:10.0.401
ARG SDK_IMAGE=mcr.microsoft.com/dotnet/sdk:10.0
ARG RUNTIME_IMAGE=mcr.microsoft.com/dotnet/aspnet:10.0

FROM ${SDK_IMAGE} AS build
WORKDIR /src
COPY . .
ARG PROJECT=router/Inference.Router/Inference.Router.csproj
RUN --mount=type=cache,target=/root/.nuget/packages \
    dotnet publish "$PROJECT" -c Release -o /app -p:UseAppHost=false
RUN test -f /app/Inference.Router.dll && test -f /app/Yarp.ReverseProxy.dll

FROM ${RUNTIME_IMAGE}
RUN groupadd --system --gid 10001 inference \
 && useradd --system --uid 10001 --gid 10001 --no-create-home --home-dir /nonexistent \
      --shell /usr/sbin/nologin inference \
 && mkdir -p /etc/inference-router /var/lib/inference-router \
 && chown 10001:10001 /var/lib/inference-router
WORKDIR /app
COPY --from=build --chown=root:root /app /app
ENV ASPNETCORE_HTTP_PORTS= \
    DOTNET_NOLOGO=1
USER 10001:10001
# 8080: gRPC (h2c) for callers. 8081: admin API, /metrics, /healthz, /readyz. Without a token
# (ROUTER_ADMIN_TOKEN or --admin-token-file) the admin port listens on 127.0.0.1 only.
EXPOSE 8080 8081
# For plain `docker run`; on Kubernetes the probes are the check. Assumes --admin-port 8081.
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/8081 && printf 'GET /healthz HTTP/1.1\\r\\nHost: localhost\\r\\nConnection: close\\r\\n\\r\\n' >&3 && head -n 1 <&3 | grep -q ' 200 '"]
ENTRYPOINT ["dotnet", "/app/Inference.Router.dll"]
CMD ["--config", "/etc/inference-router/router.json", "--state-file", "/var/lib/inference-router/state.json"]
