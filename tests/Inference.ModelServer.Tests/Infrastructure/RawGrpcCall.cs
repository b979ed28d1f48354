using System.Buffers.Binary;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using Google.Protobuf;

namespace Inference.ModelServer.Tests;

/// <summary>
/// A ModelInfer call over plain HTTP/2 (h2c), for what a gRPC client library would not do on its own: keep the
/// body open, reset the stream or drop the connection mid-call, or let the server alone enforce the deadline.
/// </summary>
internal sealed class RawGrpcCall : IDisposable
{
    private const string Path = "/inference.GRPCInferenceService/ModelInfer";

    private readonly SocketsHttpHandler _handler;
    private readonly HttpClient _client;
    private Socket? _socket;

    public RawGrpcCall(Uri address)
    {
        _handler = new SocketsHttpHandler
        {
            EnableMultipleHttp2Connections = false,
            // Keeps the socket, so that the connection can be dropped under a call in flight.
            ConnectCallback = async (context, cancellationToken) =>
            {
                var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                await socket.ConnectAsync(context.DnsEndPoint, cancellationToken);
                _socket = socket;
                return new NetworkStream(socket, ownsSocket: true);
            },
        };
        _client = new HttpClient(_handler) { BaseAddress = address, Timeout = Timeout.InfiniteTimeSpan };
    }

    /// <summary>The length-prefixed message of a gRPC request body.</summary>
    public static byte[] Frame(IMessage message) => Frame(message.ToByteArray());

    /// <summary>The length-prefixed frame of <paramref name="payload"/>, whatever bytes they are.</summary>
    public static byte[] Frame(byte[] payload)
    {
        var framed = new byte[5 + payload.Length];
        BinaryPrimitives.WriteUInt32BigEndian(framed.AsSpan(1), (uint)payload.Length);
        payload.CopyTo(framed, 5);
        return framed;
    }

    /// <summary>Sends the whole body, with a grpc-timeout when given; the client itself never gives up.</summary>
    public Task<HttpResponseMessage> SendAsync(IMessage message, string? grpcTimeout = null) =>
        SendAsync(message.ToByteArray(), grpcTimeout);

    /// <summary>Sends <paramref name="message"/> as the request message, bytes that need not parse as one.</summary>
    public Task<HttpResponseMessage> SendAsync(byte[] message, string? grpcTimeout = null) =>
        _client.SendAsync(NewRequest(new ByteArrayContent(Frame(message)), grpcTimeout), HttpCompletionOption.ResponseHeadersRead);

    /// <summary>
    /// Sends the headers and only the first bytes of the body, then keeps the stream open until
    /// <paramref name="cancellationToken"/> resets it (or the connection is dropped). Completes
    /// <paramref name="bodyStarted"/> once those bytes are on the wire.
    /// </summary>
    public Task<HttpResponseMessage> SendPartialAsync(IMessage message, TaskCompletionSource bodyStarted, CancellationToken cancellationToken) =>
        _client.SendAsync(NewRequest(new StalledContent(Frame(message).AsMemory(0, 5), bodyStarted), null), HttpCompletionOption.ResponseHeadersRead, cancellationToken);

    /// <summary>grpc-status of a response: from the headers (trailers-only) or, after the body, the trailers.</summary>
    public static async Task<int?> StatusOfAsync(HttpResponseMessage response) => (await StatusAndMessageAsync(response)).Status;

    /// <summary>grpc-status and the decoded grpc-message ("" when absent) of a response.</summary>
    public static async Task<(int? Status, string Message)> StatusAndMessageAsync(HttpResponseMessage response)
    {
        var headers = response.Headers;
        if (!headers.Contains("grpc-status"))
        {
            await response.Content.ReadAsByteArrayAsync();
            headers = response.TrailingHeaders;
        }

        var status = headers.TryGetValues("grpc-status", out var values) ? int.Parse(values.First()) : (int?)null;
        var message = headers.TryGetValues("grpc-message", out values) ? Uri.UnescapeDataString(values.First()) : "";
        return (status, message);
    }

    /// <summary>Closes the connection under every stream on it, as a client process that exits would.</summary>
    public void DropConnection() => _socket?.Close();

    public void Dispose()
    {
        _client.Dispose();
        _handler.Dispose();
    }

    private static HttpRequestMessage NewRequest(HttpContent content, string? grpcTimeout)
    {
        content.Headers.ContentType = new MediaTypeHeaderValue("application/grpc");
        var request = new HttpRequestMessage(HttpMethod.Post, Path)
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = content,
        };
        request.Headers.TryAddWithoutValidation("te", "trailers");
        if (grpcTimeout is not null)
        {
            request.Headers.TryAddWithoutValidation("grpc-timeout", grpcTimeout);
        }

        return request;
    }

    private sealed class StalledContent(ReadOnlyMemory<byte> start, TaskCompletionSource started) : HttpContent
    {
        protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
            SerializeToStreamAsync(stream, context, CancellationToken.None);

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
        {
            await stream.WriteAsync(start, cancellationToken);
            await stream.FlushAsync(cancellationToken);
            started.TrySetResult();
            await Task.Delay(Timeout.Infinite, cancellationToken);
        }

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }
}
