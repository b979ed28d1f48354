using System.Reflection;
using Grpc.Core;
using Inference.Contracts;
using Inference.Contracts.Oip;
using Inference.Engine;
using Inference.Engine.Execution;
using Inference.Engine.Model;
using Inference.Engine.Responses;
using Inference.ModelServer.Diagnostics;
using Inference.ModelServer.Hosting;
using Inference.ModelServer.Memory;
using Microsoft.AspNetCore.Http.Features;
using System.Buffers;
using Inference.ModelServer.PredictionLog;
using Inference.PredictionLog;
using Microsoft.Extensions.Logging;

namespace Inference.ModelServer.Services;

/// <summary>
/// The six RPCs of <c>inference.GRPCInferenceService</c> for the one model this process serves (bound by
/// <see cref="InferenceMethodProvider"/>). The engine's failures become <see cref="RpcException"/>s with the matching
/// status and the engine's message. ModelInfer answers with an <see cref="InferResult"/>, which the method's response
/// marshaller writes as the ModelInferResponse it is.
/// </summary>
internal sealed class InferenceService(
    InferenceEngine engine, ServerState state, MemoryBudget budget, ModelServerPredictionLog predictions, TimeProvider time, ILogger<InferenceService> logger)
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

    public Task<ServerLiveResponse> ServerLive(ServerLiveRequest request, ServerCallContext context) => s_live;

    public Task<ServerReadyResponse> ServerReady(ServerReadyRequest request, ServerCallContext context) =>
        state.IsReady ? s_ready : s_notReady;

    public Task<ServerMetadataResponse> ServerMetadata(ServerMetadataRequest request, ServerCallContext context) => s_serverMetadata;

    public Task<ModelReadyResponse> ModelReady(ModelReadyRequest request, ServerCallContext context)
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

    public Task<ModelMetadataResponse> ModelMetadata(ModelMetadataRequest request, ServerCallContext context)
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

    public Task<InferResult> ModelInfer(ModelInferRequest request, ServerCallContext context) =>
        predictions.Writer is { } log && log.ShouldSample() ? LoggedInferAsync(request, context, log) : InferAsync(request, context);

    /// <summary>
    /// A sampled call: its record is queued for the prediction log once the answer (or the failure) is known. The answer
    /// is read back into a message for the record (only sampled calls pay for that copy).
    /// </summary>
    private async Task<InferResult> LoggedInferAsync(ModelInferRequest request, ServerCallContext context, PredictionLogWriter log)
    {
        var started = time.GetTimestamp();
        ModelInferResponse? response = null;
        var status = StatusCode.OK;
        try
        {
            var result = await InferAsync(request, context).ConfigureAwait(false);
            var bytes = new ArrayBufferWriter<byte>(result.CalculateSize());
            result.WriteTo(bytes);
            response = ModelInferResponse.Parser.ParseFrom(bytes.WrittenSpan);
            return result;
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

    private Task<InferResult> InferAsync(ModelInferRequest request, ServerCallContext context)
    {
        var body = context.GetHttpContext().Features.Get<IRequestBodyPipeFeature>() as BudgetedRequestBody;
        ValueTask<InferResult> pending;
        try
        {
            // A compressed message was counted at its compressed size; decompressed, it is counted at its own.
            if (body is { Compressed: true } && !body.TryGrow(request.CalculateSize() - body.Reserved))
            {
                throw new InferenceException(InferenceErrorKind.ResourceExhausted,
                    $"the server's memory budget for requests in flight ({budget.Limit} bytes) has no room for this request decompressed; retry later");
            }

            pending = engine.InferResultAsync(request, context.CancellationToken);
        }
        catch (InferenceException ex)
        {
            return FailAsync<InferResult>(context, ex);
        }
        catch (OutOfMemoryException)
        {
            return FailAsync<InferResult>(context, OutOfMemory());
        }

        if (pending.IsCompletedSuccessfully)
        {
            return Task.FromResult(Answered(pending.Result, request, body));
        }

        return AwaitInferAsync(pending, request, body, context);
    }

    private async Task<InferResult> AwaitInferAsync(ValueTask<InferResult> pending, ModelInferRequest request, BudgetedRequestBody? body, ServerCallContext context)
    {
        InferenceException failure;
        try
        {
            return Answered(await pending.ConfigureAwait(false), request, body);
        }
        catch (InferenceException ex)
        {
            failure = ex;
        }
        catch (OperationCanceledException)
        {
            throw;
        }
        catch (OutOfMemoryException)
        {
            failure = OutOfMemory();
        }
        catch (Exception ex)
        {
            ModelServerLog.InferenceFailed(logger, ex);
            failure = new InferenceException(InferenceErrorKind.Internal, $"inference failed: {ex.Message}");
        }

        return await FailAsync<InferResult>(context, failure).ConfigureAwait(false);
    }

    /// <summary>
    /// The request's raw inputs are no longer needed once it has run: dropped, so that the GC can take them back while
    /// the response is written. The result is disposed when the call ends, should the library not write it.
    /// </summary>
    private static InferResult Answered(InferResult result, ModelInferRequest request, BudgetedRequestBody? body)
    {
        request.RawInputContents.Clear();
        if (body is not null)
        {
            body.Result = result;
        }

        return result;
    }

    private InferenceException OutOfMemory()
    {
        ModelServerLog.OutOfMemory(logger, "ModelInfer", budget.InFlight, budget.Limit);
        return new InferenceException(InferenceErrorKind.ResourceExhausted,
            "the server ran out of memory for this request; retry later, or send smaller requests");
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
