using System.Reflection;
using Grpc.Core;
using Inference.Contracts;
using Inference.Contracts.Oip;
using Inference.Engine;
using Inference.Engine.Execution;
using Inference.Engine.Model;
using Inference.ModelServer.Diagnostics;
using Inference.ModelServer.Hosting;
using Inference.ModelServer.PredictionLog;
using Inference.PredictionLog;
using Microsoft.Extensions.Logging;

namespace Inference.ModelServer.Services;

/// <summary>
/// The six RPCs of <c>inference.GRPCInferenceService</c> for the one model this process serves. The engine's
/// failures become <see cref="RpcException"/>s with the matching status and the engine's message.
/// </summary>
internal sealed class InferenceService(InferenceEngine engine, ServerState state, ModelServerPredictionLog predictions, TimeProvider time, ILogger<InferenceService> logger)
    : GRPCInferenceService.GRPCInferenceServiceBase
{
    public const string ServerName = "inference-modelserver";

    private static readonly string s_serverVersion =
        typeof(InferenceService).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0]
        ?? "0.0.0";

    private static readonly Task<ServerLiveResponse> s_live = Task.FromResult(new ServerLiveResponse { Live = true });
    private static readonly Task<ServerReadyResponse> s_ready = Task.FromResult(new ServerReadyResponse { Ready = true });
    private static readonly Task<ServerReadyResponse> s_notReady = Task.FromResult(new ServerReadyResponse { Ready = false });
    private static readonly Task<ModelReadyResponse> s_modelReady = Task.FromResult(new ModelReadyResponse { Ready = true });
    private static readonly Task<ModelReadyResponse> s_modelNotReady = Task.FromResult(new ModelReadyResponse { Ready = false });
    private static readonly Task<ServerMetadataResponse> s_serverMetadata =
        Task.FromResult(new ServerMetadataResponse { Name = ServerName, Version = s_serverVersion });

    private readonly InferenceModel _model = engine.Model;
    private readonly Task<ModelMetadataResponse> _metadata = Task.FromResult(engine.Model.Metadata);

    public override Task<ServerLiveResponse> ServerLive(ServerLiveRequest request, ServerCallContext context) => s_live;

    public override Task<ServerReadyResponse> ServerReady(ServerReadyRequest request, ServerCallContext context) =>
        state.IsReady ? s_ready : s_notReady;

    public override Task<ServerMetadataResponse> ServerMetadata(ServerMetadataRequest request, ServerCallContext context) => s_serverMetadata;

    public override Task<ModelReadyResponse> ModelReady(ModelReadyRequest request, ServerCallContext context)
    {
        try
        {
            _model.CheckServes(request.Name, request.Version);
        }
        catch (InferenceException ex)
        {
            return FailAsync<ModelReadyResponse>(context, ex);
        }

        return state.IsReady ? s_modelReady : s_modelNotReady;
    }

    public override Task<ModelMetadataResponse> ModelMetadata(ModelMetadataRequest request, ServerCallContext context)
    {
        try
        {
            _model.CheckServes(request.Name, request.Version);
        }
        catch (InferenceException ex)
        {
            return FailAsync<ModelMetadataResponse>(context, ex);
        }

        // OIP's metadata messages have no field for the artifact's hash: it travels as initial metadata.
        context.GetHttpContext().Response.Headers[InferenceHeaders.ModelSha256] = _model.Sha256;
        return _metadata;
    }

    public override Task<ModelInferResponse> ModelInfer(ModelInferRequest request, ServerCallContext context) =>
        predictions.Writer is { } log && log.ShouldSample() ? LoggedInferAsync(request, context, log) : InferAsync(request, context);

    /// <summary>A sampled call: its record is queued for the prediction log after the answer (or the failure) is known.</summary>
    private async Task<ModelInferResponse> LoggedInferAsync(ModelInferRequest request, ServerCallContext context, PredictionLogWriter log)
    {
        var started = time.GetTimestamp();
        ModelInferResponse? response = null;
        var status = StatusCode.OK;
        try
        {
            response = await InferAsync(request, context).ConfigureAwait(false);
            return response;
        }
        catch (RpcException ex)
        {
            status = ex.StatusCode;
            throw;
        }
        catch (OperationCanceledException)
        {
            status = StatusCode.Cancelled;
            throw;
        }
        finally
        {
            var headers = context.RequestHeaders;
            log.TryEnqueue(new InferRecord(
                time.GetUtcNow(), _model.Name, _model.Version, headers.GetValue(InferenceHeaders.Experiment), headers.GetValue(InferenceHeaders.ExperimentGroup),
                request, response, status, time.GetElapsedTime(started).TotalSeconds));
        }
    }

    private Task<ModelInferResponse> InferAsync(ModelInferRequest request, ServerCallContext context)
    {
        ValueTask<ModelInferResponse> pending;
        try
        {
            pending = engine.InferAsync(request, context.CancellationToken);
        }
        catch (InferenceException ex)
        {
            return FailAsync<ModelInferResponse>(context, ex);
        }

        return pending.IsCompletedSuccessfully ? Task.FromResult(pending.Result) : AwaitInferAsync(pending, context);
    }

    private async Task<ModelInferResponse> AwaitInferAsync(ValueTask<ModelInferResponse> pending, ServerCallContext context)
    {
        InferenceException failure;
        try
        {
            return await pending.ConfigureAwait(false);
        }
        catch (InferenceException ex)
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
            failure = new InferenceException(InferenceErrorKind.Internal, $"inference failed: {ex.Message}");
        }

        return await FailAsync<ModelInferResponse>(context, failure).ConfigureAwait(false);
    }

    /// <summary>
    /// Sends the initial metadata (x-model-name, x-model-version, set by <see cref="InferenceCallMiddleware"/>) before
    /// the error status, so that clients that read initial metadata separately from trailers (gRPC C-core) see them on
    /// errors too, then fails the call with the status of <paramref name="failure"/>.
    /// </summary>
    private static async Task<T> FailAsync<T>(ServerCallContext context, InferenceException failure)
    {
        if (!context.CancellationToken.IsCancellationRequested)
        {
            try
            {
                await context.WriteResponseHeadersAsync(new Metadata()).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or IOException or InvalidOperationException)
            {
                // The client is gone, or the headers went already; the status below is all that is left to send.
            }
        }

        throw new RpcException(new Status(StatusOf(failure.Kind), failure.Message));
    }

    private static StatusCode StatusOf(InferenceErrorKind kind) => kind switch
    {
        InferenceErrorKind.InvalidArgument => StatusCode.InvalidArgument,
        InferenceErrorKind.NotFound => StatusCode.NotFound,
        InferenceErrorKind.ResourceExhausted => StatusCode.ResourceExhausted,
        InferenceErrorKind.Unavailable => StatusCode.Unavailable,
        _ => StatusCode.Internal,
    };
}
