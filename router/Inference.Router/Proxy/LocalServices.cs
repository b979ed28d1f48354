using System.Buffers;
using System.IO.Pipelines;
using System.Reflection;
using System.Text;
using Google.Protobuf;
using Inference.Contracts.Oip;
using Inference.Router.Configuration;
using Inference.Router.Routing;
using Microsoft.AspNetCore.Http;

namespace Inference.Router.Proxy;

/// <summary>
/// Calls that name no model are answered by the router itself: ServerLive (the router is alive),
/// ServerReady and grpc.health.v1 Check for the server (service "" or inference.GRPCInferenceService:
/// the router is ready), ServerMetadata (the router's name and version), and Check for a service
/// named like a model (SERVING when some endpoint of that model passes its health checks: a
/// passively ejected one still takes calls when it is all that is left).
/// </summary>
internal sealed class LocalServices(RouterState state, RouterReadiness readiness)
{
    // KServe/Triton-style probes ask for the OIP service by name; the router serves it as a whole.
    private const string InferenceService = "inference.GRPCInferenceService";

    private static readonly string RouterVersion =
        typeof(LocalServices).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0";

    public Task HandleAsync(HttpContext context, GrpcMethod method) => method switch
    {
        GrpcMethod.ServerLive => GrpcResponses.WriteMessageAsync(context.Response, new ServerLiveResponse { Live = true }, context.RequestAborted),
        GrpcMethod.ServerReady => GrpcResponses.WriteMessageAsync(context.Response, new ServerReadyResponse { Ready = readiness.IsReady }, context.RequestAborted),
        GrpcMethod.ServerMetadata => GrpcResponses.WriteMessageAsync(context.Response, new ServerMetadataResponse { Name = "inference-router", Version = RouterVersion }, context.RequestAborted),
        GrpcMethod.HealthCheck => HealthCheckAsync(context),
        _ => Unimplemented(context),
    };

    private static Task Unimplemented(HttpContext context)
    {
        GrpcResponses.WriteError(context.Response, GrpcStatus.Unimplemented, "grpc.health.v1.Health/Watch is not implemented by the router; use Check");
        return Task.CompletedTask;
    }

    private async Task HealthCheckAsync(HttpContext context)
    {
        var service = await ReadServiceAsync(context.Request.BodyReader, context.RequestAborted);
        if (service is null)
        {
            GrpcResponses.WriteError(context.Response, GrpcStatus.InvalidArgument, "malformed HealthCheckRequest");
            return;
        }

        bool serving;
        if (service.Length == 0 || service == InferenceService)
        {
            serving = readiness.IsReady;
        }
        else if (state.Current?.Models.TryGetValue(service, out var model) == true)
        {
            serving = readiness.IsReady && model.Versions.Values.Any(p => p.CanServe());
        }
        else
        {
            GrpcResponses.WriteError(context.Response, GrpcStatus.NotFound, $"unknown service '{service}'");
            return;
        }

        // HealthCheckResponse { status = 1 (SERVING) | 2 (NOT_SERVING) }
        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = GrpcResponses.ContentType;
        await context.Response.Body.WriteAsync(new byte[] { 0, 0, 0, 0, 2, 0x08, (byte)(serving ? 1 : 2) }, context.RequestAborted);
        context.Response.AppendTrailer("grpc-status", "0");
    }

    // HealthCheckRequest.service is field 1, a string: the same peek as a model name.
    private static async Task<string?> ReadServiceAsync(PipeReader reader, CancellationToken cancellationToken)
    {
        var name = new byte[WeightRules.MaxNameBytes];
        while (true)
        {
            var result = await reader.ReadAsync(cancellationToken);
            var status = GrpcRequestPeeker.PeekFrame(result.Buffer, result.IsCompleted, GrpcRequestPeeker.DefaultLimit, name, new byte[WeightRules.MaxNameBytes], out var fields, out _);
            if (status == PeekStatus.NeedMore && !result.IsCompleted)
            {
                reader.AdvanceTo(result.Buffer.Start, result.Buffer.End);
                continue;
            }

            reader.AdvanceTo(result.Buffer.Start);
            if (status == PeekStatus.Invalid && result.Buffer.Length == 0)
            {
                return string.Empty;
            }

            return status == PeekStatus.Done ? Encoding.UTF8.GetString(name, 0, Math.Max(0, fields.NameLength)) : null;
        }
    }
}
