using System.Reflection;
using Inference.Contracts.Oip;
using Inference.Grpc;
using Inference.Grpc.Server;
using Inference.ModelServer.Diagnostics;
using Inference.ModelServer.Hosting;
using Inference.ModelServer.Execution;
using Inference.ModelServer.Tensors;
using Inference.ModelServer.Model;
using Microsoft.Extensions.Logging;

namespace Inference.ModelServer.Services;

/// <summary>The six RPCs of <c>inference.GRPCInferenceService</c> for the one model this process serves.</summary>
internal sealed class InferenceService(ServedModel model, InferenceEngine engine, ServerState state, ILogger<InferenceService> logger)
{
    public const string ServiceName = "inference.GRPCInferenceService";
    public const string ServerName = "inference-modelserver";

    /// <summary>Initial metadata on ModelMetadata responses: the SHA-256 of the served model file.</summary>
    public const string Sha256Header = "x-model-sha256";

    private static readonly string s_serverVersion =
        typeof(InferenceService).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0]
        ?? "0.0.0";

    private static readonly ServerLiveResponse s_live = new() { Live = true };
    private static readonly ServerReadyResponse s_ready = new() { Ready = true };
    private static readonly ServerReadyResponse s_notReady = new() { Ready = false };
    private static readonly ModelReadyResponse s_modelReady = new() { Ready = true };
    private static readonly ModelReadyResponse s_modelNotReady = new() { Ready = false };
    private static readonly ServerMetadataResponse s_serverMetadata = new() { Name = ServerName, Version = s_serverVersion };

    public ValueTask<ServerLiveResponse> ServerLiveAsync(ServerLiveRequest request, ServerCallContext context) =>
        ValueTask.FromResult(s_live);

    public ValueTask<ServerReadyResponse> ServerReadyAsync(ServerReadyRequest request, ServerCallContext context) =>
        ValueTask.FromResult(state.IsReady ? s_ready : s_notReady);

    public ValueTask<ServerMetadataResponse> ServerMetadataAsync(ServerMetadataRequest request, ServerCallContext context) =>
        ValueTask.FromResult(s_serverMetadata);

    public ValueTask<ModelReadyResponse> ModelReadyAsync(ModelReadyRequest request, ServerCallContext context) =>
        FindModel(request.Name, request.Version) is { } missing
            ? FailAsync<ModelReadyResponse>(context, missing)
            : ValueTask.FromResult(state.IsReady ? s_modelReady : s_modelNotReady);

    public ValueTask<ModelMetadataResponse> ModelMetadataAsync(ModelMetadataRequest request, ServerCallContext context)
    {
        if (FindModel(request.Name, request.Version) is { } missing)
        {
            return FailAsync<ModelMetadataResponse>(context, missing);
        }

        context.SetResponseHeader(Sha256Header, model.Sha256);
        return ValueTask.FromResult(model.Metadata);
    }

    public ValueTask<InferResponse> ModelInferAsync(ModelInferRequest request, ServerCallContext context)
    {
        if (FindModel(request.ModelName, request.ModelVersion) is { } missing)
        {
            return FailAsync<InferResponse>(context, missing);
        }

        var pending = engine.InferAsync(request, context.CancellationToken);
        return pending.IsCompletedSuccessfully ? pending : AwaitInferAsync(pending, context);
    }

    private async ValueTask<InferResponse> AwaitInferAsync(ValueTask<InferResponse> pending, ServerCallContext context)
    {
        GrpcException failure;
        try
        {
            return await pending.ConfigureAwait(false);
        }
        catch (GrpcException ex)
        {
            failure = ex;
        }
        catch (OperationCanceledException)
        {
            throw;
        }
        catch (Exception ex)
        {
            ModelServerLog.InferenceFailed(logger, ex);
            failure = new GrpcException(StatusCode.Internal, $"inference failed: {ex.Message}");
        }

        return await FailAsync<InferResponse>(context, failure).ConfigureAwait(false);
    }

    /// <summary>NOT_FOUND unless <paramref name="name"/> (and a non-empty <paramref name="version"/>) is what this process serves.</summary>
    private GrpcException? FindModel(string name, string version)
    {
        if (!string.Equals(name, model.Name, StringComparison.Ordinal))
        {
            return new GrpcException(StatusCode.NotFound,
                $"model '{name}' is not served here; this server serves model '{model.Name}' version '{model.Version}'");
        }

        if (version.Length != 0 && !string.Equals(version, model.Version, StringComparison.Ordinal))
        {
            return new GrpcException(StatusCode.NotFound,
                $"model '{name}' version '{version}' is not served here; this server serves version '{model.Version}'");
        }

        return null;
    }

    /// <summary>
    /// Sends the initial metadata (x-model-name, x-model-version) before the error status, so that clients that
    /// read initial metadata separately from trailers (gRPC C-core) see them on errors too.
    /// </summary>
    private static async ValueTask<T> FailAsync<T>(ServerCallContext context, GrpcException failure)
    {
        if (!context.ResponseHeadersSent && !context.CancellationToken.IsCancellationRequested)
        {
            try
            {
                await context.WriteResponseHeadersAsync().ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or IOException or InvalidOperationException)
            {
                // The client is gone; the status below is all that is left to try.
            }
        }

        throw failure;
    }
}
