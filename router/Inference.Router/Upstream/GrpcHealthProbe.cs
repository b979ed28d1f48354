using System.Net;
using System.Net.Http.Headers;

namespace Inference.Router.Upstream;

/// <summary>
/// grpc.health.v1.Health/Check for the server as a whole, done with raw framing: the request is an
/// empty HealthCheckRequest, the answer's field 1 is the serving status (1 = SERVING).
/// </summary>
internal static class GrpcHealthProbe
{
    private static readonly byte[] EmptyRequestFrame = new byte[5];
    private static readonly MediaTypeHeaderValue GrpcContentType = new("application/grpc");

    public static async Task<bool> CheckAsync(HttpMessageInvoker invoker, UpstreamEndpoint endpoint, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(timeout);
        using var request = new HttpRequestMessage(HttpMethod.Post, endpoint.DestinationPrefix + "/grpc.health.v1.Health/Check")
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

        try
        {
            using var response = await invoker.SendAsync(request, cts.Token);
            if (response.StatusCode != HttpStatusCode.OK)
            {
                return false;
            }

            var body = await response.Content.ReadAsByteArrayAsync(cts.Token);
            var status = Status(response.TrailingHeaders) ?? Status(response.Headers);
            return status == "0" && IsServing(body);
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException or IOException)
        {
            return false;
        }
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
