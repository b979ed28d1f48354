using System.Buffers.Binary;
using System.Net;
using System.Net.Http.Headers;
using Google.Protobuf;

namespace Inference.Router.Tests.Infrastructure;

/// <summary>A minimal h2c gRPC caller over HttpClient, enough to drive the router in tests.</summary>
public sealed class GrpcTestClient : IDisposable
{
    private readonly HttpMessageInvoker _invoker = new(new SocketsHttpHandler
    {
        EnableMultipleHttp2Connections = true,
        UseProxy = false,
        AllowAutoRedirect = false,
    });

    public static byte[] Frame(IMessage message) => Frame(message.ToByteArray());

    public static byte[] Frame(byte[] message, bool compressed = false)
    {
        var frame = new byte[5 + message.Length];
        frame[0] = compressed ? (byte)1 : (byte)0;
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(1), (uint)message.Length);
        message.CopyTo(frame, 5);
        return frame;
    }

    public Task<GrpcCallResult> CallAsync(string baseUrl, string method, IMessage request, IEnumerable<KeyValuePair<string, string>>? headers = null, CancellationToken cancellationToken = default) =>
        CallRawAsync(baseUrl, method, Frame(request), headers, cancellationToken);

    public Task<GrpcCallResult> CallRawAsync(string baseUrl, string method, byte[] body, IEnumerable<KeyValuePair<string, string>>? headers = null, CancellationToken cancellationToken = default) =>
        CallContentAsync(baseUrl, method, new ByteArrayContent(body), headers, cancellationToken);

    /// <summary>Sends <paramref name="content"/> as the request body (it may stream); the call times out after <paramref name="timeout"/> (default 30 s).</summary>
    public async Task<GrpcCallResult> CallContentAsync(string baseUrl, string method, HttpContent content, IEnumerable<KeyValuePair<string, string>>? headers = null, CancellationToken cancellationToken = default, TimeSpan? timeout = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, baseUrl + method)
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = content,
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/grpc");
        request.Headers.TryAddWithoutValidation("te", "trailers");
        foreach (var (name, value) in headers ?? [])
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        using var expiry = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        expiry.CancelAfter(timeout ?? TimeSpan.FromSeconds(30));
        using var response = await _invoker.SendAsync(request, expiry.Token);
        var bytes = await response.Content.ReadAsByteArrayAsync(expiry.Token);
        var all = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var header in response.Headers.NonValidated)
        {
            all[header.Key] = header.Value.ToString();
        }

        string? Find(string name) =>
            response.TrailingHeaders.NonValidated.TryGetValues(name, out var t) ? t.ToString()
            : response.Headers.NonValidated.TryGetValues(name, out var h) ? h.ToString()
            : null;

        var statusText = Find("grpc-status");
        var status = response.StatusCode != HttpStatusCode.OK ? -(int)response.StatusCode : statusText is null ? -1 : int.Parse(statusText, System.Globalization.CultureInfo.InvariantCulture);
        var message = Find("grpc-message");
        byte[]? payload = null;
        if (bytes.Length >= 5)
        {
            var length = (int)BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(1));
            payload = bytes.AsSpan(5, length).ToArray();
        }

        var trailers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var trailer in response.TrailingHeaders.NonValidated)
        {
            trailers[trailer.Key] = trailer.Value.ToString();
        }

        return new GrpcCallResult(status, message is null ? null : Uri.UnescapeDataString(message), all, payload, trailers);
    }

    public void Dispose() => _invoker.Dispose();
}
