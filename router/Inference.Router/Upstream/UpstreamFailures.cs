using System.Net.Sockets;

namespace Inference.Router.Upstream;

/// <summary>What a failed forwarding attempt's exception says about the endpoint and the request.</summary>
internal static class UpstreamFailures
{
    private const string ForwarderAssembly = "Yarp.ReverseProxy";

    /// <summary>Refused, reset or unreachable: the endpoint itself is in trouble, not this request.</summary>
    public static bool IsConnectionFailure(Exception? exception) =>
        Causes(exception).Any(e => e is HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError } or SocketException);

    /// <summary>
    /// Whether a failure after the request's body was read still proves that the upstream did not process the request:
    /// it refused the stream (REFUSED_STREAM) or left it above a GOAWAY's last stream id.
    /// </summary>
    /// <remarks>
    /// <see cref="SocketsHttpHandler"/> sends such a request again by itself, on the same or a new connection: it knows
    /// the server did not process it, and it serializes the content again for nothing else here (no redirects,
    /// authentication, proxies or version fallback). The forwarder's request content streams the client's body and
    /// cannot be serialized twice, so that second send fails: with the content's <see cref="InvalidOperationException"/>,
    /// or, when the server is going away, with a connection that cannot be established (a body is only read on an
    /// established connection, so a connect failure after it belongs to such a second send). When the first send's body
    /// copy was cut short, the forwarder reports both failures together in an <see cref="AggregateException"/>.
    /// </remarks>
    public static bool IsRefusedUnprocessed(Exception? exception) =>
        Causes(exception).Any(e => IsSentAgainByTheHandler(e) || e is HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError });

    public static string Describe(Exception? exception)
    {
        if (exception is null)
        {
            return "unknown error";
        }

        if (Causes(exception).Any(IsSentAgainByTheHandler))
        {
            return "the upstream refused the stream unprocessed (REFUSED_STREAM or GOAWAY)";
        }

        var innermost = exception;
        while (innermost.InnerException is not null)
        {
            innermost = innermost.InnerException;
        }

        return innermost == exception ? exception.Message : $"{exception.Message} ({innermost.Message})";
    }

    private static bool IsSentAgainByTheHandler(Exception exception) =>
        exception is HttpRequestException { InnerException: InvalidOperationException { Source: ForwarderAssembly } };

    /// <summary>The exception and everything it wraps, the members of aggregates included.</summary>
    private static IEnumerable<Exception> Causes(Exception? exception)
    {
        if (exception is null)
        {
            yield break;
        }

        yield return exception;
        var inner = exception is AggregateException aggregate ? aggregate.InnerExceptions : exception.InnerException is { } one ? [one] : [];
        foreach (var child in inner)
        {
            foreach (var cause in Causes(child))
            {
                yield return cause;
            }
        }
    }
}
