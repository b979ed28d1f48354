using System.Buffers;
using System.Net;
using System.Net.Http.Headers;
using Google.Protobuf;

namespace Inference.Grpc.Tests;

/// <summary>Plain HttpClient requests, to check the server's bytes on the wire without our client.</summary>
internal static class RawGrpc
{
    public static HttpClient CreateClient(Version version) => new(new SocketsHttpHandler())
    {
        DefaultRequestVersion = version,
        DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
    };

    public static HttpRequestMessage Request(Uri address, string path, IMessage? message, string contentType = "application/grpc", bool compressed = false)
    {
        var body = Array.Empty<byte>();
        if (message is not null)
        {
            var writer = new ArrayBufferWriter<byte>();
            MessageCodec.Write(writer, message, compressed, int.MaxValue);
            body = writer.WrittenSpan.ToArray();
        }

        var content = new ByteArrayContent(body);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        var request = new HttpRequestMessage(HttpMethod.Post, new Uri(address, path))
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = content,
        };
        request.Headers.TE.ParseAdd("trailers");
        return request;
    }

    public static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? values.First() : null;

    public static string? Trailer(HttpResponseMessage response, string name) =>
        response.TrailingHeaders.TryGetValues(name, out var values) ? values.First() : null;
}
