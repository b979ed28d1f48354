using System.Net.Http.Headers;
using Grpc.Core;
using Inference.Contracts;
using Inference.Router.Configuration;
using Inference.Router.Routing;
using Inference.Router.Upstream;
using Microsoft.Extensions.Primitives;
using Yarp.ReverseProxy.Forwarder;

namespace Inference.Router.Proxy;

/// <summary>
/// The per-request state of one proxied call, pooled and reused: buffers for the peeked fields, the routing
/// decision, the request body the forwarder reads, and the transforms that tag the response and read the upstream's
/// status and version.
/// </summary>
internal sealed class ProxyCall(TimeProvider time) : HttpTransformer
{
    public readonly byte[] NameBytes = new byte[WeightRules.MaxNameBytes];
    public readonly byte[] VersionBytes = new byte[WeightRules.MaxNameBytes];
    public readonly char[] NameChars = new char[WeightRules.MaxNameBytes];
    public readonly char[] VersionChars = new char[WeightRules.MaxNameBytes];
    public readonly ReplayableBody Body = new();

    /// <summary>Cancels the wait for the first message (--first-message-timeout-ms); reset after every call that armed it.</summary>
    public CancellationTokenSource PeekTimeout = new(Timeout.InfiniteTimeSpan, time);

    public GrpcMethod Method;

    /// <summary>The proxy's shared cache of upstream URIs.</summary>
    public RequestUriCache? Uris;

    public RouteDecision Decision;

    /// <summary>When the request arrived (TimeProvider timestamp).</summary>
    public long Started;

    /// <summary>Set once the outcome is recorded in metrics.</summary>
    public bool Recorded;

    /// <summary>Records the outcome; called before the response ends so a client that saw the response sees it counted.</summary>
    public Action<ProxyCall>? OnCompleted;
    public UpstreamEndpoint? Endpoint;

    /// <summary>The upstream's grpc-status; null until seen.</summary>
    public StatusCode? Status;

    /// <summary>The upstream's x-model-version when it differs from the chosen version.</summary>
    public string? MismatchedVersion;

    /// <summary>Whether the prediction log records this call.</summary>
    public bool Sampled;

    /// <summary>The sticky key of a sampled call (hashed when its record is written).</summary>
    public string? StickyKey;

    public void Reset()
    {
        Decision = default;
        Started = 0;
        Recorded = false;
        Endpoint = null;
        Status = null;
        MismatchedVersion = null;
        Sampled = false;
        StickyKey = null;
        Method = GrpcMethod.ModelInfer;
        Body.Detach();
    }

    public override ValueTask TransformRequestAsync(HttpContext httpContext, HttpRequestMessage proxyRequest, string destinationPrefix, CancellationToken cancellationToken)
    {
        var copied = base.TransformRequestAsync(httpContext, proxyRequest, destinationPrefix, cancellationToken);
        if (Endpoint is { } endpoint)
        {
            if (endpoint.HostHeader is { } host)
            {
                // Endpoints found through DNS keep the configured name as :authority.
                proxyRequest.Headers.Host = host;
            }

            if (Uris is { } uris && !httpContext.Request.QueryString.HasValue)
            {
                // Set before the forwarder composes one (it only fills an unset RequestUri).
                proxyRequest.RequestUri = uris.Get(endpoint, Method);
            }
        }

        return copied;
    }

    public override ValueTask<bool> TransformResponseAsync(HttpContext httpContext, HttpResponseMessage? proxyResponse, CancellationToken cancellationToken)
    {
        if (proxyResponse is null)
        {
            // The attempt failed; the proxy writes its own error response.
            return new ValueTask<bool>(false);
        }

        // The upstream answered: the body will not be sent again.
        Body.Release();
        var copied = base.TransformResponseAsync(httpContext, proxyResponse, cancellationToken);
        if (!copied.IsCompletedSuccessfully)
        {
            return Await(copied, httpContext);
        }

        AfterHeaders(httpContext);
        return copied;
    }

    private async ValueTask<bool> Await(ValueTask<bool> copied, HttpContext httpContext)
    {
        var result = await copied;
        AfterHeaders(httpContext);
        return result;
    }

    private void AfterHeaders(HttpContext httpContext)
    {
        var response = httpContext.Response;
        var headers = response.Headers;
        var version = Decision.Pool.Version;
        var upstreamVersion = headers[InferenceHeaders.ModelVersion];
        if (!StringValues.IsNullOrEmpty(upstreamVersion) && upstreamVersion[0] is { Length: > 0 } actual && !string.Equals(actual, version, StringComparison.Ordinal))
        {
            // A miswired endpoint: the tag names the version that actually answered, so the caller's log stays true;
            // the group stays as assigned, and the mismatch is counted.
            MismatchedVersion = actual;
            version = actual;
        }

        headers[InferenceHeaders.ModelName] = Decision.Model.Name;
        headers[InferenceHeaders.ModelVersion] = version;
        headers[InferenceHeaders.Experiment] = Decision.Experiment;
        headers[InferenceHeaders.ExperimentGroup] = Decision.Group;
        if (Decision.FallbackFrom is { } assigned)
        {
            headers[InferenceHeaders.ExperimentFallback] = assigned;
        }

        // Trailers-only responses carry the status in the headers.
        var status = headers["grpc-status"];
        if (!StringValues.IsNullOrEmpty(status))
        {
            Status = GrpcResponses.ParseStatus(status[0]) ?? StatusCode.Unknown;
        }
        else if (response.StatusCode != StatusCodes.Status200OK)
        {
            Status = GrpcResponses.FromHttpStatus(response.StatusCode);
        }
    }

    public override ValueTask TransformResponseTrailersAsync(HttpContext httpContext, HttpResponseMessage proxyResponse, CancellationToken cancellationToken)
    {
        if (Status is null && proxyResponse.TrailingHeaders.NonValidated.TryGetValues("grpc-status", out var values))
        {
            Status = ParseFirst(values);
        }

        var copied = base.TransformResponseTrailersAsync(httpContext, proxyResponse, cancellationToken);
        OnCompleted?.Invoke(this);
        return copied;
    }

    private static StatusCode ParseFirst(HeaderStringValues values)
    {
        foreach (var value in values)
        {
            return GrpcResponses.ParseStatus(value) ?? StatusCode.Unknown;
        }

        return StatusCode.Unknown;
    }
}
