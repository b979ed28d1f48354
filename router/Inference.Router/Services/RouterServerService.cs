using System.Reflection;
using Grpc.Core;
using Inference.Contracts.Oip;
using Inference.Router.Hosting;

namespace Inference.Router.Services;

/// <summary>
/// The server-level calls of <c>inference.GRPCInferenceService</c>, answered by the router for itself: ServerLive (the
/// router is alive), ServerReady (a configuration is loaded and shutdown has not begun) and ServerMetadata (its name and
/// version). The calls that name a model are not overridden here: their routes go to the proxy.
/// </summary>
internal sealed class RouterServerService(RouterReadiness readiness) : GRPCInferenceService.GRPCInferenceServiceBase
{
    public const string Name = "inference-router";

    private static readonly string Version =
        typeof(RouterServerService).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0";

    private static readonly Task<ServerLiveResponse> Live = Task.FromResult(new ServerLiveResponse { Live = true });
    private static readonly Task<ServerReadyResponse> Ready = Task.FromResult(new ServerReadyResponse { Ready = true });
    private static readonly Task<ServerReadyResponse> NotReady = Task.FromResult(new ServerReadyResponse { Ready = false });
    private static readonly Task<ServerMetadataResponse> Metadata = Task.FromResult(new ServerMetadataResponse { Name = Name, Version = Version });

    public override Task<ServerLiveResponse> ServerLive(ServerLiveRequest request, ServerCallContext context) => Live;

    public override Task<ServerReadyResponse> ServerReady(ServerReadyRequest request, ServerCallContext context) =>
        readiness.IsReady ? Ready : NotReady;

    public override Task<ServerMetadataResponse> ServerMetadata(ServerMetadataRequest request, ServerCallContext context) => Metadata;
}
