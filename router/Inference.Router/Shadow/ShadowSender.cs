using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using Google.Protobuf;
using Grpc.Core;
using Inference.Contracts;
using Inference.Contracts.Oip;
using Inference.Router.Proxy;
using Inference.Router.Routing;
using Inference.Router.Upstream;

namespace Inference.Router.Shadow;

/// <summary>
/// Shadow traffic: picks the calls to copy, captures their request and response bytes while they are forwarded, and,
/// once the caller has its answer, sends the copy to the shadow version and compares the answers — fire and forget,
/// with a bound on copies in flight and on the bytes each may hold, its own deadline and no retry. Nothing here can
/// change what the caller gets: a copy that cannot be made is dropped and counted.
/// </summary>
internal sealed class ShadowSender(UpstreamRegistry upstreams, ShadowMetrics metrics, IRandomSource random, TimeProvider time, ILogger<ShadowSender> logger)
{
    private const int FrameHeaderLength = 5;

    /// <summary>Request metadata not copied: the copy sets its own framing, deadline and encoding preferences.</summary>
    private static readonly HashSet<string> NotCopied = new(StringComparer.OrdinalIgnoreCase)
    {
        "host", "content-length", "content-type", "te", "grpc-timeout", "grpc-accept-encoding", "connection", "keep-alive",
        "transfer-encoding", "upgrade", "proxy-connection", InferenceHeaders.ExperimentGroup,
    };

    private readonly ConcurrentDictionary<string, ModelState> _models = new(StringComparer.Ordinal);

    /// <summary>
    /// For a sampled ModelInfer call of an experiment with a shadow: a copy whose capture is wired into the call (the
    /// response body now passes through it); null for every other call, which pays nothing more than this check.
    /// </summary>
    public ShadowCopy? TryStart(HttpContext context, in RouteDecision decision, GrpcMethod method)
    {
        var experiment = decision.Model.Experiment;
        if (experiment.Shadow is not { } pool || method != GrpcMethod.ModelInfer || experiment.Config.Shadow is not { } config
            || string.Equals(decision.Group, InferenceHeaders.PinnedGroup, StringComparison.Ordinal))
        {
            return null;
        }

        // 0.01 % resolution.
        if (random.Next(10_000) >= config.Percent * 100)
        {
            return null;
        }

        var model = decision.Model.Name;
        var primary = decision.Pool.Version;
        var state = _models.GetOrAdd(model, static _ => new ModelState());
        if (context.Request.ContentLength > config.MaxMessageBytes)
        {
            metrics.Request(model, pool.Version, primary, ShadowMetrics.Dropped);
            return null;
        }

        if (Interlocked.Increment(ref state.InFlight) > config.MaxConcurrent)
        {
            Interlocked.Decrement(ref state.InFlight);
            metrics.Request(model, pool.Version, primary, ShadowMetrics.Dropped);
            return null;
        }

        var headers = new List<KeyValuePair<string, string>>();
        foreach (var (name, values) in context.Request.Headers)
        {
            if (!NotCopied.Contains(name) && name[0] != ':')
            {
                foreach (var value in values)
                {
                    headers.Add(new(name, value ?? ""));
                }
            }
        }

        var copy = new ShadowCopy(model, primary, pool, config, [.. headers], context.Response.Body);
        context.Response.Body = new CapturingWriteStream(copy.OriginalResponseBody, copy.Response);
        return copy;
    }

    /// <summary>The request body the forwarder reads: the caller's, copied into <paramref name="copy"/> on the way.</summary>
    public static Stream Capture(ShadowCopy copy, Stream body) => new CapturingReadStream(body, copy.Request);

    /// <summary>
    /// Called once the caller's response is complete: restores the response body and sends the copy off the call's
    /// path. A call the primary failed is not copied (there is nothing to compare with).
    /// </summary>
    public void Finish(HttpContext context, ShadowCopy copy, StatusCode? primaryStatus)
    {
        context.Response.Body = copy.OriginalResponseBody;
        var state = _models[copy.Model];
        string? dropped = null;
        if (primaryStatus != StatusCode.OK)
        {
            dropped = "";
        }
        else if (copy.Request.Overflowed || copy.Response.Overflowed)
        {
            dropped = ShadowMetrics.Dropped;
        }
        else if (copy.Response.Memory.Length < FrameHeaderLength || copy.Response.Memory.Span[0] != 0)
        {
            // A compressed answer is not inflated for the comparison.
            dropped = ShadowMetrics.Dropped;
        }

        if (dropped is not null)
        {
            if (dropped.Length > 0)
            {
                metrics.Request(copy.Model, copy.Shadow.Version, copy.PrimaryVersion, dropped);
            }

            copy.Dispose();
            Interlocked.Decrement(ref state.InFlight);
            return;
        }

        metrics.Request(copy.Model, copy.Shadow.Version, copy.PrimaryVersion, ShadowMetrics.Sent);
        ThreadPool.UnsafeQueueUserWorkItem(static work => _ = work.Sender.RunAsync(work.Copy, work.State), (Sender: this, Copy: copy, State: state), preferLocal: false);
    }

    private async Task RunAsync(ShadowCopy copy, ModelState state)
    {
        UpstreamEndpoint? endpoint = null;
        try
        {
            endpoint = copy.Shadow.Pick(random, time.GetTimestamp(), null, null, out _);
            if (endpoint is null)
            {
                Fail(copy, $"no available endpoint of version '{copy.Shadow.Version}'");
                return;
            }

            endpoint.Enter();
            var (status, answer, error) = await SendAsync(copy, endpoint);
            if (error is not null)
            {
                Fail(copy, error);
                return;
            }

            if (status != StatusCode.OK)
            {
                Fail(copy, $"the shadow answered {status}");
                return;
            }

            Compare(copy, state, answer!);
        }
        catch (Exception ex)
        {
            // Never let a copy's failure escape: the caller is long answered.
            Fail(copy, ex.Message);
        }
        finally
        {
            endpoint?.Leave();
            copy.Dispose();
            Interlocked.Decrement(ref state.InFlight);
        }
    }

    private async Task<(StatusCode Status, ModelInferResponse? Answer, string? Error)> SendAsync(ShadowCopy copy, UpstreamEndpoint endpoint)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, endpoint.DestinationPrefix + GrpcMethods.Path(GrpcMethod.ModelInfer))
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new ReadOnlyMemoryContent(copy.Request.Memory),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue(GrpcResponses.ContentType);
        request.Headers.TryAddWithoutValidation("te", "trailers");
        request.Headers.TryAddWithoutValidation("grpc-timeout", ((long)Math.Ceiling(copy.Config.Timeout.TotalMilliseconds)).ToString(CultureInfo.InvariantCulture) + "m");
        if (endpoint.HostHeader is { } host)
        {
            request.Headers.Host = host;
        }

        foreach (var (name, value) in copy.Headers)
        {
            if (!request.Headers.TryAddWithoutValidation(name, value))
            {
                request.Content.Headers.TryAddWithoutValidation(name, value);
            }
        }

        using var deadline = new CancellationTokenSource(copy.Config.Timeout);
        try
        {
            using var response = await upstreams.Invoker.SendAsync(request, deadline.Token);
            if (response.StatusCode != HttpStatusCode.OK)
            {
                return (GrpcResponses.FromHttpStatus((int)response.StatusCode), null, null);
            }

            using var body = new CaptureBuffer(copy.Config.MaxMessageBytes);
            await using (var stream = await response.Content.ReadAsStreamAsync(deadline.Token))
            {
                var chunk = new byte[16 * 1024];
                int read;
                while ((read = await stream.ReadAsync(chunk, deadline.Token)) > 0)
                {
                    body.Append(chunk.AsSpan(0, read));
                    if (body.Overflowed)
                    {
                        return (StatusCode.OK, null, $"the shadow's answer is larger than {copy.Config.MaxMessageBytes} bytes");
                    }
                }
            }

            var status = Status(response);
            if (status != StatusCode.OK)
            {
                return (status, null, null);
            }

            return Message(body.Memory.Span) is { } message
                ? (StatusCode.OK, ModelInferResponse.Parser.ParseFrom(message), null)
                : (StatusCode.OK, null, "the shadow's answer is not one uncompressed gRPC message");
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
            return (StatusCode.DeadlineExceeded, null, $"no answer within {copy.Config.Timeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s");
        }
        catch (HttpRequestException ex)
        {
            return (StatusCode.Unavailable, null, ex.Message);
        }
    }

    private void Compare(ShadowCopy copy, ModelState state, ModelInferResponse shadow)
    {
        if (Message(copy.Response.Memory.Span) is not { } primaryMessage)
        {
            Fail(copy, "the primary's answer is not one gRPC message");
            return;
        }

        var primary = ModelInferResponse.Parser.ParseFrom(primaryMessage);
        var outputs = InferResponseComparer.Compare(primary, shadow, copy.Config);
        var agreed = true;
        foreach (var output in outputs)
        {
            metrics.Compared(copy.Model, copy.Shadow.Version, copy.PrimaryVersion, output);
            agreed &= output.Agreed;
        }

        metrics.Request(copy.Model, copy.Shadow.Version, copy.PrimaryVersion, agreed ? ShadowMetrics.Agreed : ShadowMetrics.Disagreed);
        if (!agreed && state.MayLog(time.GetTimestamp(), time.TimestampFrequency))
        {
            var differences = string.Join("; ", outputs.Where(o => !o.Agreed).Select(o => $"output '{o.Output}': {o.Difference}"));
            ShadowLog.Disagreed(logger, copy.Model, copy.Shadow.Version, copy.PrimaryVersion, RequestId(copy.Request.Memory.Span) ?? primary.Id, differences);
        }
    }

    private void Fail(ShadowCopy copy, string reason)
    {
        metrics.Request(copy.Model, copy.Shadow.Version, copy.PrimaryVersion, ShadowMetrics.Failed);
        ShadowLog.Failed(logger, copy.Model, copy.Shadow.Version, reason);
    }

    private static StatusCode Status(HttpResponseMessage response)
    {
        if (response.TrailingHeaders.NonValidated.TryGetValues("grpc-status", out var trailer))
        {
            foreach (var value in trailer)
            {
                return GrpcResponses.ParseStatus(value) ?? StatusCode.Unknown;
            }
        }

        if (response.Headers.NonValidated.TryGetValues("grpc-status", out var header))
        {
            foreach (var value in header)
            {
                return GrpcResponses.ParseStatus(value) ?? StatusCode.Unknown;
            }
        }

        return StatusCode.Unknown;
    }

    // The one uncompressed message of a unary gRPC body.
    private static byte[]? Message(ReadOnlySpan<byte> body)
    {
        if (body.Length < FrameHeaderLength || body[0] != 0)
        {
            return null;
        }

        var length = BinaryPrimitives.ReadUInt32BigEndian(body[1..]);
        return length == (uint)(body.Length - FrameHeaderLength) ? body[FrameHeaderLength..].ToArray() : null;
    }

    // ModelInferRequest.id (field 3) of the copied request, read without parsing the tensors.
    private static string? RequestId(ReadOnlySpan<byte> body)
    {
        if (Message(body) is not { } message)
        {
            return null;
        }

        try
        {
            var input = new CodedInputStream(message);
            uint tag;
            while ((tag = input.ReadTag()) != 0)
            {
                if (tag == 26)
                {
                    return input.ReadString();
                }

                input.SkipLastField();
            }
        }
        catch (InvalidProtocolBufferException)
        {
            // Not a valid message: the log says the response's id instead.
        }

        return null;
    }

    private sealed class ModelState
    {
        public int InFlight;
        private long _nextLog;

        /// <summary>At most one disagreement line per second per model.</summary>
        public bool MayLog(long now, long frequency)
        {
            var next = Volatile.Read(ref _nextLog);
            return now >= next && Interlocked.CompareExchange(ref _nextLog, now + frequency, next) == next;
        }
    }
}
