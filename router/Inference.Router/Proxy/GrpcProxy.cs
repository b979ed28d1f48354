using System.Buffers;
using System.IO.Compression;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Inference.Router.Metrics;
using Inference.Router.Routing;
using Inference.Router.Upstream;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.ObjectPool;
using Microsoft.Extensions.Primitives;
using Yarp.ReverseProxy.Forwarder;

namespace Inference.Router.Proxy;

/// <summary>
/// The gRPC port's whole pipeline: classify the method, peek the model from the request message,
/// route it, forward it with YARP to an endpoint of the chosen version, tag the response, and
/// record the outcome.
/// </summary>
internal sealed class GrpcProxy
{
    private const int MaxAttempts = 3;

    /// <summary>The version label of an answer from a version the model does not configure.</summary>
    private const string OtherVersion = "other";

    private static readonly Func<IHeaderDictionary, string, StringValues> GetHeader = static (headers, name) => headers[name];

    private readonly IHttpForwarder _forwarder;
    private readonly UpstreamRegistry _upstreams;
    private readonly RouterState _state;
    private readonly LocalServices _local;
    private readonly RouterMetrics _metrics;
    private readonly IRandomSource _random;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly RequestUriCache _uris = new();
    private readonly ObjectPool<ProxyCall> _calls = new DefaultObjectPool<ProxyCall>(new CallPolicy(), 1024);
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
        LocalServices local,
        RouterMetrics metrics,
        IRandomSource random,
        TimeProvider time,
        ILogger<GrpcProxy> logger)
    {
        _forwarder = forwarder;
        _upstreams = upstreams;
        _state = state;
        _local = local;
        _metrics = metrics;
        _random = random;
        _time = time;
        _logger = logger;
        _completed = Complete;
    }

    private readonly Action<ProxyCall> _completed;

    public async Task InvokeAsync(HttpContext context)
    {
        var started = _time.GetTimestamp();
        var request = context.Request;
        if (!HttpMethods.IsPost(request.Method) || !IsGrpc(request.ContentType))
        {
            // Not a gRPC call at all: the gRPC protocol answers HTTP 415.
            context.Response.StatusCode = StatusCodes.Status415UnsupportedMediaType;
            return;
        }

        var method = GrpcMethods.Classify(request.Path.Value);
        if (!GrpcMethods.CarriesModel(method))
        {
            if (method == GrpcMethod.Unknown)
            {
                GrpcResponses.WriteError(context.Response, GrpcStatus.Unimplemented, $"method {request.Path.Value} is not served by the router");
                Record("", "", "", "", GrpcStatus.Unimplemented, started);
                return;
            }

            await _local.HandleAsync(context, method);
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
        catch (Exception ex) when (!context.Response.HasStarted)
        {
            // Never let a request crash the pipeline; the client gets a status, not a reset.
            ProxyLog.Unexpected(_logger, request.Path.Value ?? "", ex);
            context.Response.Clear();
            GrpcResponses.WriteError(context.Response, context.RequestAborted.IsCancellationRequested ? GrpcStatus.Cancelled : GrpcStatus.Internal, "the router failed to handle the request");
        }
        finally
        {
            call.Reset();
            _calls.Return(call);
        }
    }

    private async Task RouteAsync(HttpContext context, ProxyCall call, long started)
    {
        var (status, fields) = await PeekAsync(context, call);
        if (status != PeekStatus.Done)
        {
            var (code, message) = status == PeekStatus.Compressed
                ? (GrpcStatus.Unimplemented, fields.Error!)
                : (GrpcStatus.InvalidArgument, $"malformed request message: {fields.Error}");
            Reject(context, code, message, started);
            return;
        }

        var snapshot = _state.Current;
        if (snapshot is null)
        {
            Reject(context, GrpcStatus.Unavailable, "the router has no configuration yet", started);
            return;
        }

        if (!TryDecode(call.NameBytes, fields.NameLength, call.NameChars, out var nameLength)
            || !TryDecode(call.VersionBytes, fields.VersionLength, call.VersionChars, out var versionLength))
        {
            Reject(context, GrpcStatus.InvalidArgument, "the model name or version is not valid UTF-8", started);
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

        call.Decision = decision;
        await ForwardAsync(context, call, started);
    }

    private async ValueTask<(PeekStatus, PeekedFields)> PeekAsync(HttpContext context, ProxyCall call)
    {
        var reader = context.Request.BodyReader;
        while (true)
        {
            var result = await reader.ReadAsync(context.RequestAborted);
            var buffer = result.Buffer;
            var status = GrpcRequestPeeker.PeekFrame(buffer, result.IsCompleted, GrpcRequestPeeker.DefaultLimit, call.NameBytes, call.VersionBytes, out var fields, out var messageLength);
            if (status == PeekStatus.Compressed)
            {
                var compressedAvailable = buffer.Length - GrpcRequestPeeker.FrameHeaderLength;
                var wanted = Math.Min(messageLength, GrpcRequestPeeker.DefaultLimit);
                if (compressedAvailable < wanted && !result.IsCompleted)
                {
                    reader.AdvanceTo(buffer.Start, buffer.End);
                    continue;
                }

                status = PeekCompressed(context.Request.Headers["grpc-encoding"], buffer.Slice(GrpcRequestPeeker.FrameHeaderLength, Math.Min(compressedAvailable, wanted)), messageLength, call, ref fields);
            }

            if (status == PeekStatus.NeedMore && !result.IsCompleted)
            {
                reader.AdvanceTo(buffer.Start, buffer.End);
                continue;
            }

            // Nothing consumed or examined: the forwarder reads the body from its first byte.
            reader.AdvanceTo(buffer.Start);
            return (status == PeekStatus.NeedMore ? PeekStatus.Done : status, fields);
        }
    }

    // A compressed first message is decompressed into a scratch copy of at most the peek limit;
    // the original compressed bytes are forwarded untouched.
    private static PeekStatus PeekCompressed(StringValues encoding, ReadOnlySequence<byte> compressed, long compressedLength, ProxyCall call, ref PeekedFields fields)
    {
        var name = encoding.ToString();
        if (name is not ("gzip" or "deflate"))
        {
            fields.Error = name.Length == 0
                ? "a compressed message without grpc-encoding"
                : $"message compression '{name}' is not supported by the router (gzip and deflate are)";
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
                using Stream inflater = name == "gzip" ? new GZipStream(source, CompressionMode.Decompress) : new ZLibStream(source, CompressionMode.Decompress);
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

    private async Task ForwardAsync(HttpContext context, ProxyCall call, long started)
    {
        var decision = call.Decision;
        var pool = decision.Pool;
        var request = context.Request;
        var originalBody = request.Body;
        // Taken before the body is swapped: afterwards BodyReader would wrap the swapped stream.
        call.BodySource = request.BodyReader;
        call.Body.Attach(originalBody);
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

                if (endpoint is null)
                {
                    var message = lastError is null
                        ? $"no healthy endpoint for model '{pool.Model}' version '{pool.Version}'"
                        : $"model '{pool.Model}' version '{pool.Version}': no endpoint left to try after {lastError}";
                    TagAndFail(context, call, GrpcStatus.Unavailable, message);
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

                var exception = context.Features.Get<IForwarderErrorFeature>()?.Exception;
                var clientGone = context.RequestAborted.IsCancellationRequested;
                if (!clientGone)
                {
                    _metrics.UpstreamFailure(pool.Model, pool.Version);
                }

                if (!clientGone && IsConnectionFailure(exception))
                {
                    var ejection = _state.Current?.Config.EjectionDuration ?? TimeSpan.Zero;
                    if (ejection > TimeSpan.Zero)
                    {
                        endpoint.Eject(now + (long)(ejection.TotalSeconds * _time.TimestampFrequency));
                        UpstreamLog.Ejected(_logger, endpoint.DestinationPrefix, pool.Model, pool.Version, ejection.TotalSeconds, Describe(exception));
                    }
                }

                // Retry only what the upstream never saw: no byte of the body was read, nothing was
                // sent to the client, and the failure happened before a response (connection level).
                var retry = !clientGone
                    && attempt < MaxAttempts
                    && error is ForwarderError.Request or ForwarderError.RequestCreation
                    && !call.Body.AnyRead
                    && !context.Response.HasStarted;
                lastError = $"{endpoint.DestinationPrefix} failed: {Describe(exception)}";
                ProxyLog.AttemptFailed(_logger, pool.Model, pool.Version, endpoint.DestinationPrefix, error.ToString(),
                    retry ? "retrying on another endpoint of the same version" : "not retried", clientGone ? null : exception);
                if (retry)
                {
                    failed2 = failed1;
                    failed1 = endpoint;
                    context.Response.Clear();
                    context.Features.Set<IForwarderErrorFeature>(null);
                    continue;
                }

                if (clientGone)
                {
                    call.GrpcCode = GrpcStatus.Cancelled;
                }
                else if (!context.Response.HasStarted)
                {
                    context.Response.Clear();
                    TagAndFail(context, call, GrpcStatus.Unavailable, $"model '{pool.Model}' version '{pool.Version}': upstream {lastError}");
                }
                else
                {
                    // The forwarder reset the stream mid-response; the client sees it as unavailable.
                    call.GrpcCode = GrpcStatus.Unavailable;
                }

                break;
            }
        }
        finally
        {
            request.Body = originalBody;
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

        Record(pool.Model, decision.Experiment, decision.Group, served, call.GrpcCode < 0 ? GrpcStatus.Unknown : call.GrpcCode, call.Started);
    }

    private static void TagAndFail(HttpContext context, ProxyCall call, int code, string message)
    {
        var headers = context.Response.Headers;
        headers[ResponseTags.ModelName] = call.Decision.Model.Name;
        headers[ResponseTags.ModelVersion] = call.Decision.Pool.Version;
        headers[ResponseTags.Experiment] = call.Decision.Experiment;
        headers[ResponseTags.ExperimentGroup] = call.Decision.Group;
        GrpcResponses.WriteError(context.Response, code, message);
        call.GrpcCode = code;
    }

    private void Reject(HttpContext context, int code, string message, long started)
    {
        ProxyLog.Rejected(_logger, GrpcStatus.Name(code), message);
        GrpcResponses.WriteError(context.Response, code, message);
        Record("", "", "", "", code, started);
    }

    private void RejectRoute(HttpContext context, RouteOutcome outcome, ReadOnlySpan<char> model, ReadOnlySpan<char> version, ModelRoute? route, long started)
    {
        var headers = context.Response.Headers;
        var (code, message) = outcome switch
        {
            RouteOutcome.NoModelName => (GrpcStatus.InvalidArgument, "the request names no model (field 1 is empty)"),
            RouteOutcome.UnknownModel => (GrpcStatus.NotFound, $"model '{model}' is not served by this router"),
            RouteOutcome.UnknownVersion => (GrpcStatus.NotFound, $"model '{model}' has no version '{version}'"),
            _ => (GrpcStatus.InvalidArgument, $"experiment '{route?.Experiment.Name}' of model '{model}' has no group '{context.Request.Headers[RequestRouter.OverrideHeader]}'"),
        };

        if (route is not null)
        {
            headers[ResponseTags.ModelName] = route.Name;
            headers[ResponseTags.Experiment] = route.Experiment.Name;
            if (outcome == RouteOutcome.UnknownVersion)
            {
                headers[ResponseTags.ModelVersion] = version.ToString();
                headers[ResponseTags.ExperimentGroup] = Configuration.WeightRules.PinnedGroup;
            }
        }
        else if (!model.IsEmpty)
        {
            headers[ResponseTags.ModelName] = model.ToString();
        }

        ProxyLog.Rejected(_logger, GrpcStatus.Name(code), message);
        GrpcResponses.WriteError(context.Response, code, message);
        Record(route?.Name ?? "", route?.Experiment.Name ?? "", outcome == RouteOutcome.UnknownVersion ? Configuration.WeightRules.PinnedGroup : "", "", code, started);
    }

    private void Record(string model, string experiment, string group, string version, int code, long started) =>
        _metrics.RequestCompleted(model, experiment, group, version, GrpcStatus.Name(code), _time.GetElapsedTime(started).TotalSeconds);

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

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private static bool IsGrpc(string? contentType) =>
        contentType is not null
        && contentType.StartsWith("application/grpc", StringComparison.OrdinalIgnoreCase)
        && (contentType.Length == 16 || contentType[16] is '+' or ';');

    /// <summary>Refused, reset or unreachable: the endpoint itself is in trouble, not this request.</summary>
    private static bool IsConnectionFailure(Exception? exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError })
            {
                return true;
            }

            if (e is SocketException)
            {
                return true;
            }
        }

        return false;
    }

    private static string Describe(Exception? exception)
    {
        if (exception is null)
        {
            return "unknown error";
        }

        var innermost = exception;
        while (innermost.InnerException is not null)
        {
            innermost = innermost.InnerException;
        }

        return innermost == exception ? exception.Message : $"{exception.Message} ({innermost.Message})";
    }

    private sealed class CallPolicy : PooledObjectPolicy<ProxyCall>
    {
        public override ProxyCall Create() => new();

        public override bool Return(ProxyCall obj) => true;
    }
}
