using System.IO.Pipelines;
using System.Net.Http.Headers;
using Inference.Router.Configuration;
using Inference.Router.Routing;
using Inference.Router.Upstream;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;
using Yarp.ReverseProxy.Forwarder;

namespace Inference.Router.Proxy;

/// <summary>
/// The per-request state of one proxied call, pooled and reused: buffers for the peeked fields,
/// the routing decision, the body tracker, and the transforms that tag the response and read the
/// upstream's status and version.
/// </summary>
internal sealed class ProxyCall : HttpTransformer
{
    public readonly byte[] NameBytes = new byte[WeightRules.MaxNameBytes];
    public readonly byte[] VersionBytes = new byte[WeightRules.MaxNameBytes];
    public readonly char[] NameChars = new char[WeightRules.MaxNameBytes];
    public readonly char[] VersionChars = new char[WeightRules.MaxNameBytes];
    public readonly BodyReadTracker Body = new();
    public readonly FlushCoalescingStream UpstreamBody = new();

    /// <summary>Kestrel's reader of the client's request body, for <see cref="FlushCoalescingStream"/>.</summary>
    public PipeReader? BodySource;

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

    /// <summary>The upstream's grpc-status; -1 until seen.</summary>
    public int GrpcCode = -1;

    /// <summary>The upstream's x-model-version when it differs from the chosen version.</summary>
    public string? MismatchedVersion;

    public void Reset()
    {
        Decision = default;
        Started = 0;
        Recorded = false;
        Endpoint = null;
        GrpcCode = -1;
        MismatchedVersion = null;
        BodySource = null;
        Method = GrpcMethod.Unknown;
        Body.Detach();
        UpstreamBody.Detach();
    }

    public override ValueTask TransformRequestAsync(HttpContext httpContext, HttpRequestMessage proxyRequest, string destinationPrefix, CancellationToken cancellationToken)
    {
        var copied = base.TransformRequestAsync(httpContext, proxyRequest, destinationPrefix, cancellationToken);
        if (Endpoint?.HostHeader is { } host)
        {
            // Endpoints found through DNS keep the configured name as :authority.
            proxyRequest.Headers.Host = host;
        }

        if (Endpoint is { } endpoint && Uris is { } uris && !httpContext.Request.QueryString.HasValue)
        {
            // Set before the forwarder composes one (it only fills an unset RequestUri).
            proxyRequest.RequestUri = uris.Get(endpoint, Method, httpContext.Request.Path.Value!);
        }

        if (proxyRequest.Content is { } content && BodySource is { } source)
        {
            proxyRequest.Content = new CoalescingRequestContent(content, UpstreamBody, source);
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

        var copied = base.TransformResponseAsync(httpContext, proxyResponse, cancellationToken);
        if (!copied.IsCompletedSuccessfully)
        {
            return Await(copied, httpContext);
        }

        AfterHeaders(httpContext, proxyResponse);
        return copied;
    }

    private async ValueTask<bool> Await(ValueTask<bool> copied, HttpContext httpContext)
    {
        var result = await copied;
        AfterHeaders(httpContext, null);
        return result;
    }

    private void AfterHeaders(HttpContext httpContext, HttpResponseMessage? proxyResponse)
    {
        var response = httpContext.Response;
        var headers = response.Headers;
        var version = Decision.Pool.Version;
        var upstreamVersion = headers[ResponseTags.ModelVersion];
        if (!StringValues.IsNullOrEmpty(upstreamVersion) && upstreamVersion[0] is { Length: > 0 } actual && !string.Equals(actual, version, StringComparison.Ordinal))
        {
            // A miswired endpoint: the tag names the version that actually answered, so the caller's
            // log stays true; the group stays as assigned, and the mismatch is counted.
            MismatchedVersion = actual;
            version = actual;
        }

        headers[ResponseTags.ModelName] = Decision.Model.Name;
        headers[ResponseTags.ModelVersion] = version;
        headers[ResponseTags.Experiment] = Decision.Experiment;
        headers[ResponseTags.ExperimentGroup] = Decision.Group;

        // Trailers-only responses carry the status in the headers.
        var status = headers["grpc-status"];
        if (!StringValues.IsNullOrEmpty(status))
        {
            GrpcCode = GrpcStatus.Parse(status[0]);
        }
        else if (response.StatusCode != StatusCodes.Status200OK)
        {
            GrpcCode = GrpcStatus.FromHttpStatus(response.StatusCode);
        }
    }

    public override ValueTask TransformResponseTrailersAsync(HttpContext httpContext, HttpResponseMessage proxyResponse, CancellationToken cancellationToken)
    {
        if (GrpcCode < 0 && proxyResponse.TrailingHeaders.NonValidated.TryGetValues("grpc-status", out var values))
        {
            GrpcCode = ParseFirst(values);
        }

        var copied = base.TransformResponseTrailersAsync(httpContext, proxyResponse, cancellationToken);
        OnCompleted?.Invoke(this);
        return copied;
    }

    private static int ParseFirst(HeaderStringValues values)
    {
        foreach (var value in values)
        {
            return GrpcStatus.Parse(value);
        }

        return -1;
    }
}
