using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;

namespace Inference.Router.Upstream;

/// <summary>
/// grpc.health.v1.Health Check and Watch for the server as a whole (service ""), done with raw framing:
/// the request is an empty HealthCheckRequest, an answer's field 1 is the serving status (1 = SERVING).
/// </summary>
internal static class GrpcHealthProbe
{
    public const string CheckPath = "/grpc.health.v1.Health/Check";
    public const string WatchPath = "/grpc.health.v1.Health/Watch";

    // A HealthCheckResponse is a few bytes; anything much larger is not one.
    private const int MaxMessage = 1024;
    private const string Unimplemented = "12";

    private static readonly byte[] EmptyRequestFrame = new byte[5];
    private static readonly MediaTypeHeaderValue GrpcContentType = new("application/grpc");

    public static async Task<HealthCheckOutcome> CheckAsync(HttpMessageInvoker invoker, UpstreamEndpoint endpoint, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(timeout);
        using var request = CreateRequest(endpoint, CheckPath);
        try
        {
            using var response = await invoker.SendAsync(request, cts.Token);
            if (response.StatusCode != HttpStatusCode.OK)
            {
                return HealthCheckOutcome.NotServing;
            }

            var body = await response.Content.ReadAsByteArrayAsync(cts.Token);
            var status = Status(response.TrailingHeaders) ?? Status(response.Headers);
            return status == "0" && IsServing(body) ? HealthCheckOutcome.Serving : HealthCheckOutcome.NotServing;
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException or IOException)
        {
            cancellationToken.ThrowIfCancellationRequested();
            return IsRefused(ex) ? HealthCheckOutcome.Refused : HealthCheckOutcome.Failed;
        }
    }

    /// <summary>
    /// Opens a Watch stream and reports every status it carries (true = SERVING) until the stream ends;
    /// returns why it ended. Cancellation ends it quietly with <see cref="HealthWatchEnd.Cancelled"/>.
    /// </summary>
    public static async Task<HealthWatchEnd> WatchAsync(HttpMessageInvoker invoker, UpstreamEndpoint endpoint, Action<bool> onStatus, CancellationToken cancellationToken)
    {
        using var request = CreateRequest(endpoint, WatchPath);
        var frame = new byte[5 + MaxMessage];
        try
        {
            using var response = await invoker.SendAsync(request, cancellationToken);
            if (response.StatusCode != HttpStatusCode.OK)
            {
                return HealthWatchEnd.Failed($"HTTP {(int)response.StatusCode}");
            }

            // Trailers-only: the service or method is not there.
            if (Status(response.Headers) is { } early)
            {
                return early == Unimplemented ? HealthWatchEnd.NotSupported : HealthWatchEnd.Failed($"grpc-status {early}");
            }

            await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
            while (true)
            {
                var read = await stream.ReadAtLeastAsync(frame.AsMemory(0, 5), 5, throwOnEndOfStream: false, cancellationToken);
                if (read == 0)
                {
                    break;
                }

                var length = (frame[1] << 24) | (frame[2] << 16) | (frame[3] << 8) | frame[4];
                if (read < 5 || frame[0] != 0 || length < 0 || length > MaxMessage)
                {
                    return HealthWatchEnd.Failed("malformed Watch response");
                }

                await stream.ReadExactlyAsync(frame.AsMemory(5, length), cancellationToken);
                onStatus(IsServing(frame.AsSpan(0, 5 + length)));
            }

            var status = Status(response.TrailingHeaders);
            return status switch
            {
                Unimplemented => HealthWatchEnd.NotSupported,
                "0" => HealthWatchEnd.Failed("the Watch stream ended"),
                null => HealthWatchEnd.Failed("the Watch stream ended without a status"),
                _ => HealthWatchEnd.Failed($"the Watch stream ended with grpc-status {status}"),
            };
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return HealthWatchEnd.Cancelled;
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException or OperationCanceledException)
        {
            return HealthWatchEnd.Failed(ex.InnerException is { } inner ? $"{ex.Message} ({inner.Message})" : ex.Message);
        }
    }

    private static HttpRequestMessage CreateRequest(UpstreamEndpoint endpoint, string path)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, endpoint.DestinationPrefix + path)
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new ByteArrayContent(EmptyRequestFrame),
        };
        request.Content.Headers.ContentType = GrpcContentType;
        request.Headers.TryAddWithoutValidation("te", "trailers");
        if (endpoint.HostHeader is not null)
        {
            request.Headers.Host = endpoint.HostHeader;
        }

        return request;
    }

    private static bool IsRefused(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is SocketException { SocketErrorCode: SocketError.ConnectionRefused })
            {
                return true;
            }
        }

        return false;
    }

    private static string? Status(HttpHeaders headers) =>
        headers.NonValidated.TryGetValues("grpc-status", out var values) ? values.ToString() : null;

    // A frame with one varint field 1 equal to 1; anything else (including an empty message,
    // status UNKNOWN) is not serving.
    internal static bool IsServing(ReadOnlySpan<byte> body)
    {
        if (body.Length < 5 || body[0] != 0)
        {
            return false;
        }

        var message = body[5..];
        return message.Length >= 2 && message[0] == 0x08 && message[1] == 1;
    }
}
