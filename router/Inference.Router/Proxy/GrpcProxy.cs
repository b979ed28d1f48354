using System.Buffers;
using System.Diagnostics;
using System.IO.Compression;
using System.IO.Pipelines;
using System.Net;
using System.Text;
using Grpc.Core;
using Inference.Contracts;
using Inference.Router.Hosting;
using Inference.Router.Guard;
using Inference.Router.Metrics;
using Inference.Router.Predictions;
using Inference.Router.Statistics;
using Inference.Router.Routing;
using Inference.Router.Shadow;
using Inference.Router.Upstream;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.ObjectPool;
using Microsoft.Extensions.Primitives;
using Yarp.ReverseProxy.Forwarder;

namespace Inference.Router.Proxy;

/// <summary>
/// The calls the router forwards: peek the model from the request message, route it, forward it with YARP's
/// <see cref="IHttpForwarder"/> to an endpoint of the chosen version, tag the response, and record the outcome. Also
/// the gRPC port's fallback, for paths that are neither forwarded nor served by the router itself.
/// </summary>
internal sealed class GrpcProxy
{
    private const int MaxAttempts = 3;

    /// <summary>
    /// How much of a first message the router waits for before forwarding: well inside Kestrel's stream window
    /// (RouterHost), so the client is never stalled by the bytes the router holds unconsumed.
    /// </summary>
    private const long HoldLimit = 64 * 1024;

    /// <summary>The version label of an answer from a version the model does not configure.</summary>
    private const string OtherVersion = "other";

    /// <summary>Grpc.AspNetCore's status message for a request message that does not deserialize (INTERNAL).</summary>
    public const string UndecodableMessage = "Failed to deserialize the message.";

    private static readonly Func<IHeaderDictionary, string, StringValues> GetHeader = static (headers, name) => headers[name];
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private readonly IHttpForwarder _forwarder;
    private readonly UpstreamRegistry _upstreams;
    private readonly RouterState _state;
    private readonly ExperimentResults _results;
    private readonly RouterPredictionLog _predictions;
    private readonly RouterMetrics _metrics;
    private readonly IRandomSource _random;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly RouterLimits _limits;
    private readonly GuardMonitor _guard;
    private readonly ShadowSender _shadow;
    private readonly RequestUriCache _uris = new();
    private readonly ObjectPool<ProxyCall> _calls;
    private readonly Action<ProxyCall> _completed;
    private readonly ForwarderRequestConfig _requestConfig = new()
    {
        Version = HttpVersion.Version20,
        VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        // Inactivity limit of one forwarded call (reset whenever data moves).
        ActivityTimeout = TimeSpan.FromMinutes(5),
    };

    public GrpcProxy(
        IHttpForwarder forwarder,
        UpstreamRegistry upstreams,
        RouterState state,
        ExperimentResults results,
        RouterPredictionLog predictions,
        RouterMetrics metrics,
        IRandomSource random,
        TimeProvider time,
        RouterLimits limits,
        ILogger<GrpcProxy> logger,
        GuardMonitor guard,
        ShadowSender shadow)
    {
        _limits = limits;
        _guard = guard;
        _shadow = shadow;
        _forwarder = forwarder;
        _upstreams = upstreams;
        _state = state;
        _results = results;
        _predictions = predictions;
        _metrics = metrics;
        _random = random;
        _time = time;
        _logger = logger;
        _completed = Complete;
        _calls = new DefaultObjectPool<ProxyCall>(new CallPolicy(time), 1024);
    }

    /// <summary>A request delegate forwarding <paramref name="method"/>.</summary>
    public RequestDelegate Forward(GrpcMethod method) => context => InvokeAsync(context, method);

    /// <summary>Everything on the gRPC port that is neither forwarded nor answered by the router's own services.</summary>
    public Task FallbackAsync(HttpContext context)
    {
        var started = _time.GetTimestamp();
        if (!IsGrpcCall(context.Request))
        {
            // Not a gRPC call at all: the gRPC protocol answers HTTP 415.
            context.Response.StatusCode = StatusCodes.Status415UnsupportedMediaType;
            return Task.CompletedTask;
        }

        GrpcResponses.WriteError(context.Response, StatusCode.Unimplemented, $"method {context.Request.Path.Value} is not served by the router");
        Record("", "", "", "", StatusCode.Unimplemented, started);
        return Task.CompletedTask;
    }

    private async Task InvokeAsync(HttpContext context, GrpcMethod method)
    {
        var started = _time.GetTimestamp();
        if (!IsGrpcCall(context.Request))
        {
            context.Response.StatusCode = StatusCodes.Status415UnsupportedMediaType;
            return;
        }

        var call = _calls.Get();
        call.Started = started;
        call.Method = method;
        call.Uris = _uris;
        call.OnCompleted = _completed;
        try
        {
            await RouteAsync(context, call, started);
        }
        catch (Exception ex) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client went away (reset its stream or closed the connection): nothing to answer, nothing wrong here.
            ProxyLog.ClientAborted(_logger, context.Request.Path.Value ?? "", ex.GetType().Name);
            if (!call.Recorded)
            {
                Record("", "", "", "", StatusCode.Cancelled, started);
            }
        }
        catch (Exception ex) when (!context.Response.HasStarted)
        {
            // Never let a request crash the pipeline; the client gets a status, not a reset.
            ProxyLog.Unexpected(_logger, context.Request.Path.Value ?? "", ex);
            context.Response.Clear();
            GrpcResponses.WriteError(context.Response, context.RequestAborted.IsCancellationRequested ? StatusCode.Cancelled : StatusCode.Internal, "the router failed to handle the request");
        }
        finally
        {
            call.Reset();
            _calls.Return(call);
        }
    }

    private static bool IsGrpcCall(HttpRequest request) => HttpMethods.IsPost(request.Method) && GrpcResponses.IsGrpc(request.ContentType);

    private async Task RouteAsync(HttpContext context, ProxyCall call, long started)
    {
        var (status, fields) = await PeekAsync(context, call);
        if (status != PeekStatus.Done)
        {
            var (code, message) = status switch
            {
                PeekStatus.Compressed => (StatusCode.Unimplemented, fields.Error!),
                PeekStatus.TooLarge => (StatusCode.ResourceExhausted, fields.Error!),
                PeekStatus.TimedOut => (StatusCode.DeadlineExceeded, fields.Error!),
                PeekStatus.NotAName => (StatusCode.InvalidArgument, fields.Error!),
                // As the model server (Grpc.AspNetCore) answers a message it cannot decode, with the reason added.
                _ => (StatusCode.Internal, $"{UndecodableMessage} ({fields.Error})"),
            };
            Reject(context, code, message, started);
            return;
        }

        var snapshot = _state.Current;
        if (snapshot is null)
        {
            Reject(context, StatusCode.Unavailable, "the router has no configuration yet", started);
            return;
        }

        if (!TryDecode(call.NameBytes, fields.NameLength, call.NameChars, out var nameLength)
            || !TryDecode(call.VersionBytes, fields.VersionLength, call.VersionChars, out var versionLength))
        {
            Reject(context, StatusCode.InvalidArgument, "the model name or version is not valid UTF-8", started);
            return;
        }

        var model = call.NameChars.AsSpan(0, nameLength);
        var version = call.VersionChars.AsSpan(0, versionLength);
        var outcome = RequestRouter.Route(snapshot, model, version, GetHeader, context.Request.Headers, _random, out var decision, out var modelRoute);
        if (outcome != RouteOutcome.Routed)
        {
            RejectRoute(context, outcome, model, version, modelRoute, started);
            return;
        }

        decision = decision.WithFallback();
        if (decision.FallbackFrom is { } assigned)
        {
            _metrics.Fallback(decision.Model.Name, decision.Experiment, assigned);
        }

        call.Decision = decision;
        if (decision.ByWeight)
        {
            _results.CountAssigned(snapshot, decision);
        }

        if (_predictions.Writer is { } log && log.ShouldSample())
        {
            call.Sampled = true;
            call.StickyKey = decision.Model.Experiment.StickyHeader is { } sticky && context.Request.Headers[sticky] is { Count: > 0 } key ? key[0] : null;
        }

        if (Activity.Current is { } activity)
        {
            // Only when tracing is on: the span says where the call went.
            activity.SetTag("inference.model", decision.Model.Name);
            activity.SetTag("inference.version", decision.Pool.Version);
            activity.SetTag("inference.experiment", decision.Experiment);
            activity.SetTag("inference.experiment_group", decision.Group);
        }

        await ForwardAsync(context, call);
    }

    /// <summary>
    /// Reads fields 1 and 2 of the first message in place on Kestrel's body reader: the buffered bytes are examined,
    /// never consumed, so the forwarder's own request content reads the body from its first byte.
    /// </summary>
    private async ValueTask<(PeekStatus, PeekedFields)> PeekAsync(HttpContext context, ProxyCall call)
    {
        var reader = context.Request.BodyReader;
        var timerArmed = false;
        try
        {
            while (true)
            {
                ReadResult result;
                if (!reader.TryRead(out result))
                {
                    if (!timerArmed)
                    {
                        // Armed only when the first message is not already buffered: the usual call pays nothing.
                        call.PeekTimeout.CancelAfter(_limits.FirstMessageTimeout);
                        timerArmed = true;
                    }

                    try
                    {
                        result = await reader.ReadAsync(call.PeekTimeout.Token);
                    }
                    catch (OperationCanceledException) when (call.PeekTimeout.IsCancellationRequested && !context.RequestAborted.IsCancellationRequested)
                    {
                        var timedOut = PeekedFields.None;
                        timedOut.Error = $"the request's first message did not arrive within {_limits.FirstMessageTimeout.TotalMilliseconds} ms";
                        return (PeekStatus.TimedOut, timedOut);
                    }
                }

                if (TryPeek(context, call, reader, result) is { } peeked)
                {
                    return peeked;
                }
            }
        }
        finally
        {
            if (timerArmed && !call.PeekTimeout.TryReset())
            {
                call.PeekTimeout.Dispose();
                call.PeekTimeout = new CancellationTokenSource(Timeout.InfiniteTimeSpan, _time);
            }
        }
    }

    /// <summary>One step of the peek over what is buffered now; null when more of the body is needed.</summary>
    private (PeekStatus, PeekedFields)? TryPeek(HttpContext context, ProxyCall call, PipeReader reader, ReadResult result)
    {
        var buffer = result.Buffer;
        var status = GrpcRequestPeeker.PeekFrame(buffer, result.IsCompleted, GrpcRequestPeeker.DefaultLimit, call.NameBytes, call.VersionBytes, out var fields, out var messageLength);
        if (messageLength > _limits.MaxReceiveMessageSize)
        {
            // Refused as soon as the declared length is known, as the model server would, before anything is forwarded.
            reader.AdvanceTo(buffer.Start);
            fields.Error = $"Received message exceeds the maximum configured message size ({messageLength} > {_limits.MaxReceiveMessageSize} bytes).";
            return (PeekStatus.TooLarge, fields);
        }

        if (status == PeekStatus.Compressed)
        {
            var compressedAvailable = buffer.Length - GrpcRequestPeeker.FrameHeaderLength;
            var wanted = Math.Min(messageLength, GrpcRequestPeeker.DefaultLimit);
            if (compressedAvailable < wanted && !result.IsCompleted)
            {
                reader.AdvanceTo(buffer.Start, buffer.End);
                return null;
            }

            status = PeekCompressed(context.Request.Headers["grpc-encoding"].ToString(), buffer.Slice(GrpcRequestPeeker.FrameHeaderLength, Math.Min(compressedAvailable, wanted)), messageLength, call, ref fields);
        }

        // A small first message is awaited whole (a larger one up to the hold limit) before anything is forwarded,
        // so a client that stalls mid-message holds no upstream stream and meets the first-message timeout here.
        var awaitingMessage = status is PeekStatus.Done or PeekStatus.NeedMore
            && buffer.Length < GrpcRequestPeeker.FrameHeaderLength + Math.Min(messageLength, HoldLimit);
        if ((status == PeekStatus.NeedMore || awaitingMessage) && !result.IsCompleted)
        {
            reader.AdvanceTo(buffer.Start, buffer.End);
            return null;
        }

        // Nothing consumed or examined: the forwarder reads the body from its first byte.
        reader.AdvanceTo(buffer.Start);
        return (status == PeekStatus.NeedMore ? PeekStatus.Done : status, fields);
    }

    // A compressed first message is decompressed into a scratch copy of at most the peek limit; the original
    // compressed bytes are forwarded untouched.
    private static PeekStatus PeekCompressed(string encoding, ReadOnlySequence<byte> compressed, long compressedLength, ProxyCall call, ref PeekedFields fields)
    {
        if (encoding is not ("gzip" or "deflate"))
        {
            fields.Error = encoding.Length == 0
                ? "a compressed message without grpc-encoding"
                : $"message compression '{encoding}' is not supported by the router (gzip and deflate are)";
            return PeekStatus.Compressed;
        }

        var input = ArrayPool<byte>.Shared.Rent((int)compressed.Length);
        var output = ArrayPool<byte>.Shared.Rent(GrpcRequestPeeker.DefaultLimit);
        try
        {
            compressed.CopyTo(input);
            var whole = compressed.Length == compressedLength;
            var produced = 0;
            var ended = false;
            try
            {
                using var source = new MemoryStream(input, 0, (int)compressed.Length);
                using Stream inflater = encoding == "gzip" ? new GZipStream(source, CompressionMode.Decompress) : new ZLibStream(source, CompressionMode.Decompress);
                while (produced < GrpcRequestPeeker.DefaultLimit)
                {
                    var read = inflater.Read(output, produced, GrpcRequestPeeker.DefaultLimit - produced);
                    if (read == 0)
                    {
                        ended = whole;
                        break;
                    }

                    produced += read;
                }
            }
            catch (InvalidDataException) when (!whole)
            {
                // A prefix of a larger compressed message: what was inflated so far is enough.
            }
            catch (InvalidDataException ex)
            {
                fields.Error = $"the compressed message is corrupt: {ex.Message}";
                return PeekStatus.Invalid;
            }

            var status = GrpcRequestPeeker.PeekMessage(new ReadOnlySequence<byte>(output, 0, produced), ended ? produced : long.MaxValue, GrpcRequestPeeker.DefaultLimit, call.NameBytes, call.VersionBytes, ref fields);
            return status == PeekStatus.NeedMore ? PeekStatus.Done : status;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(input);
            ArrayPool<byte>.Shared.Return(output);
        }
    }

    private async Task ForwardAsync(HttpContext context, ProxyCall call)
    {
        var decision = call.Decision;
        var pool = decision.Pool;
        var request = context.Request;
        var originalBody = request.Body;
        // Null unless this call is sampled for the experiment's shadow.
        var shadow = _shadow.TryStart(context, decision, call.Method);
        call.Body.Attach(shadow is null ? originalBody : ShadowSender.Capture(shadow, originalBody));
        request.Body = call.Body;
        context.Features.Set<IHttpMaxRequestBodySizeFeature>(UnlimitedBodySizeFeature.Instance);
        UpstreamEndpoint? failed1 = null;
        UpstreamEndpoint? failed2 = null;
        string? lastError = null;
        try
        {
            for (var attempt = 1; ; attempt++)
            {
                var now = _time.GetTimestamp();
                var endpoint = pool.Pick(_random, now, failed1, failed2, out var panic);
                if (panic)
                {
                    _metrics.PanicRouted(pool.Model, pool.Version);
                    if (pool.EnterPanic())
                    {
                        UpstreamLog.PanicEntered(_logger, pool.Model, pool.Version);
                    }
                }
                else if (endpoint is not null && pool.Panicking && pool.LeavePanic())
                {
                    UpstreamLog.PanicLeft(_logger, pool.Model, pool.Version);
                }

                if (endpoint is null
                    && !context.Response.HasStarted
                    && (!call.Body.AnyRead || call.Body.CanRewind)
                    && call.Decision.WithFallback(exhausted: true) is { FallbackFrom: { } assigned } fallback)
                {
                    // Every endpoint of the assigned version failed this call before its health checks noticed: control
                    // serves it, as it serves the group's calls once they have.
                    _metrics.Fallback(fallback.Model.Name, fallback.Experiment, assigned);
                    call.Decision = decision = fallback;
                    pool = fallback.Pool;
                    failed1 = failed2 = null;
                    if (call.Body.AnyRead)
                    {
                        call.Body.Rewind();
                    }

                    context.Response.Clear();
                    context.Features.Set<IForwarderErrorFeature>(null);
                    continue;
                }

                if (endpoint is null)
                {
                    var message = lastError is null
                        ? $"no healthy endpoint for model '{pool.Model}' version '{pool.Version}'"
                        : $"model '{pool.Model}' version '{pool.Version}': no endpoint left to try after {lastError}";
                    TagAndFail(context, call, StatusCode.Unavailable, message);
                    break;
                }

                call.Endpoint = endpoint;
                endpoint.Enter();
                ForwarderError error;
                try
                {
                    error = await _forwarder.SendAsync(context, endpoint.DestinationPrefix, _upstreams.Invoker, _requestConfig, call, context.RequestAborted);
                }
                finally
                {
                    endpoint.Leave();
                }

                if (error == ForwarderError.None)
                {
                    break;
                }

                if (call.Recorded)
                {
                    // The whole answer, trailers included, went to the caller: the upstream answered before it had read
                    // the whole request (an early error status) and stopped taking the rest. Not a failure.
                    ProxyLog.BodyLeftUnread(_logger, pool.Model, pool.Version, endpoint.DestinationPrefix, error.ToString());
                    break;
                }

                var exception = context.Features.Get<IForwarderErrorFeature>()?.Exception;
                var clientGone = context.RequestAborted.IsCancellationRequested;
                if (!clientGone)
                {
                    _metrics.UpstreamFailure(pool.Model, pool.Version);
                }

                if (!clientGone && UpstreamFailures.IsConnectionFailure(exception))
                {
                    var ejection = _state.Current?.Config.EjectionDuration ?? TimeSpan.Zero;
                    if (ejection > TimeSpan.Zero)
                    {
                        endpoint.Eject(now + (long)(ejection.TotalSeconds * _time.TimestampFrequency));
                        UpstreamLog.Ejected(_logger, endpoint.DestinationPrefix, pool.Model, pool.Version, ejection.TotalSeconds, UpstreamFailures.Describe(exception));
                    }
                }

                // Retry only what the upstream never processed and nothing was sent to the client for: a failure
                // before any byte of the body was read, or a stream the upstream refused unprocessed (REFUSED_STREAM,
                // above a GOAWAY's last stream id) whose body read so far is still held.
                var unprocessed = !call.Body.AnyRead
                    ? error is ForwarderError.Request or ForwarderError.RequestCreation
                    : call.Body.CanRewind && UpstreamFailures.IsRefusedUnprocessed(exception);
                var retry = !clientGone
                    && attempt < MaxAttempts
                    && unprocessed
                    && !context.Response.HasStarted;
                lastError = $"{endpoint.DestinationPrefix} failed: {UpstreamFailures.Describe(exception)}";
                ProxyLog.AttemptFailed(_logger, pool.Model, pool.Version, endpoint.DestinationPrefix, error.ToString(),
                    retry ? "retrying on another endpoint of the same version" : "not retried", clientGone ? null : exception);
                if (retry)
                {
                    failed2 = failed1;
                    failed1 = endpoint;
                    if (call.Body.AnyRead)
                    {
                        call.Body.Rewind();
                    }

                    context.Response.Clear();
                    context.Features.Set<IForwarderErrorFeature>(null);
                    continue;
                }

                if (clientGone)
                {
                    call.Status = StatusCode.Cancelled;
                }
                else if (!context.Response.HasStarted)
                {
                    context.Response.Clear();
                    TagAndFail(context, call, StatusCode.Unavailable, $"model '{pool.Model}' version '{pool.Version}': upstream {lastError}");
                }
                else
                {
                    // The forwarder reset the stream mid-response; the client sees it as unavailable.
                    call.Status = StatusCode.Unavailable;
                }

                break;
            }
        }
        finally
        {
            request.Body = originalBody;
            if (shadow is not null)
            {
                // The caller's answer is complete: the copy leaves from here, off the call's path.
                _shadow.Finish(context, shadow, call.Status);
            }
        }

        Complete(call);
    }

    private void Complete(ProxyCall call)
    {
        if (call.Recorded)
        {
            return;
        }

        call.Recorded = true;
        var decision = call.Decision;
        var pool = decision.Pool;
        var served = pool.Version;
        if (call.MismatchedVersion is { } actual)
        {
            // Metric labels stay bounded: a version the model does not configure is "other".
            served = decision.Model.FindVersion(actual)?.Version ?? OtherVersion;
            _metrics.VersionMismatch(pool.Model, pool.Version, served);
            ProxyLog.VersionMismatch(_logger, pool.Model, call.Endpoint?.DestinationPrefix ?? "", pool.Version, actual);
        }

        var code = call.Status ?? StatusCode.Unknown;
        var seconds = _time.GetElapsedTime(call.Started).TotalSeconds;
        _metrics.RequestCompleted(pool.Model, decision.Experiment, decision.Group, served, StatusLabels.Of(code), seconds);
        if (call.Method == GrpcMethod.ModelInfer)
        {
            // The guard judges inference: metadata and readiness calls would dilute both rates and latency. A call that
            // fell back to control is an outage of the group it was assigned to, and no evidence about control.
            if (decision.FallbackFrom is { } assigned)
            {
                _guard.Record(decision with { Group = assigned }, StatusCode.Unavailable, seconds);
            }
            else
            {
                _guard.Record(decision, code, seconds);
            }
        }

        if (call.Sampled)
        {
            _predictions.Writer!.TryEnqueue(new RouteRecord(
                _time.GetUtcNow(), pool.Model, served, decision.Experiment, decision.Group, call.StickyKey, code, seconds));
        }
    }

    private static void TagAndFail(HttpContext context, ProxyCall call, StatusCode code, string message)
    {
        var headers = context.Response.Headers;
        headers[InferenceHeaders.ModelName] = call.Decision.Model.Name;
        headers[InferenceHeaders.ModelVersion] = call.Decision.Pool.Version;
        headers[InferenceHeaders.Experiment] = call.Decision.Experiment;
        headers[InferenceHeaders.ExperimentGroup] = call.Decision.Group;
        if (call.Decision.FallbackFrom is { } assigned)
        {
            headers[InferenceHeaders.ExperimentFallback] = assigned;
        }

        GrpcResponses.WriteError(context.Response, code, message);
        call.Status = code;
    }

    private void Reject(HttpContext context, StatusCode code, string message, long started)
    {
        ProxyLog.Rejected(_logger, StatusLabels.Of(code), message);
        GrpcResponses.WriteError(context.Response, code, message);
        Record("", "", "", "", code, started);
    }

    private void RejectRoute(HttpContext context, RouteOutcome outcome, ReadOnlySpan<char> model, ReadOnlySpan<char> version, ModelRoute? route, long started)
    {
        var headers = context.Response.Headers;
        // Client text goes into headers, grpc-message and the log escaped and cut (a raw é or CR is not a valid header).
        var safeModel = HeaderSafeText.Escape(model);
        var safeVersion = HeaderSafeText.Escape(version);
        var (code, message) = outcome switch
        {
            RouteOutcome.NoModelName => (StatusCode.InvalidArgument, "the request names no model (field 1 is empty)"),
            RouteOutcome.UnknownModel => (StatusCode.NotFound, $"model '{safeModel}' is not served by this router"),
            RouteOutcome.UnknownVersion => (StatusCode.NotFound, $"model '{safeModel}' has no version '{safeVersion}'"),
            _ => (StatusCode.InvalidArgument, $"experiment '{route?.Experiment.Name}' of model '{safeModel}' has no group '{HeaderSafeText.Escape(context.Request.Headers[InferenceHeaders.ExperimentGroup].ToString())}'"),
        };

        if (route is not null)
        {
            headers[InferenceHeaders.ModelName] = route.Name;
            headers[InferenceHeaders.Experiment] = route.Experiment.Name;
            if (outcome == RouteOutcome.UnknownVersion)
            {
                headers[InferenceHeaders.ModelVersion] = safeVersion;
                headers[InferenceHeaders.ExperimentGroup] = InferenceHeaders.PinnedGroup;
            }
        }
        else if (!model.IsEmpty)
        {
            headers[InferenceHeaders.ModelName] = safeModel;
        }

        ProxyLog.Rejected(_logger, StatusLabels.Of(code), message);
        GrpcResponses.WriteError(context.Response, code, message);
        Record(route?.Name ?? "", route?.Experiment.Name ?? "", outcome == RouteOutcome.UnknownVersion ? InferenceHeaders.PinnedGroup : "", "", code, started);
    }

    private void Record(string model, string experiment, string group, string version, StatusCode code, long started) =>
        _metrics.RequestCompleted(model, experiment, group, version, StatusLabels.Of(code), _time.GetElapsedTime(started).TotalSeconds);

    private static bool TryDecode(byte[] bytes, int length, char[] chars, out int charCount)
    {
        charCount = 0;
        if (length <= 0)
        {
            return true;
        }

        try
        {
            charCount = StrictUtf8.GetChars(bytes, 0, length, chars, 0);
            return true;
        }
        catch (DecoderFallbackException)
        {
            return false;
        }
    }

    private sealed class CallPolicy(TimeProvider time) : PooledObjectPolicy<ProxyCall>
    {
        public override ProxyCall Create() => new(time);

        public override bool Return(ProxyCall obj) => true;
    }
}
