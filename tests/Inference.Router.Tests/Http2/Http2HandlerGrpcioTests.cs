using System.Buffers.Binary;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Inference.Grpc.Tests;
using Inference.Grpc.Tests.Interop;
using Inference.Router.Http2;

namespace Inference.Router.Tests.Http2;

/// <summary>
/// The built-in HTTP/2 client against the reference gRPC implementation (grpcio's C core: Huffman
/// strings and dynamic-table indexing in its header blocks, its own flow control), all calls on one
/// connection so later header blocks refer to table entries of earlier ones.
/// </summary>
public sealed class Http2HandlerGrpcioTests(GrpcioServerFixture server) : IClassFixture<GrpcioServerFixture>
{
    private const string Service = "/inference.grpc.test.Echo/";

    [PeerFact]
    public async Task UnaryCalls_OnOneConnection_CarryMetadataMessagesAndTrailers()
    {
        var url = server.RequireAddress();
        using var handler = new Http2Handler();
        using var client = new HttpMessageInvoker(handler);
        var payload = new byte[200_000];
        new Random(5).NextBytes(payload);

        for (var call = 0; call < 5; call++)
        {
            using var request = Call(url, "Unary", Message(("hello " + call, payload, 0)));
            request.Headers.TryAddWithoutValidation("x-test", "value-" + call);

            using var response = await client.SendAsync(request, CancellationToken.None);
            var messages = Frames(await response.Content.ReadAsByteArrayAsync());

            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("value-" + call, Single(response.Headers, "x-echo-test"));
            Assert.Equal("0", Single(response.TrailingHeaders, "grpc-status"));
            Assert.Equal("done", Single(response.TrailingHeaders, "x-trailer"));
            var (text, echoed) = Reply(Assert.Single(messages));
            Assert.Equal("hello " + call, text);
            Assert.True(payload.AsSpan().SequenceEqual(echoed), "the echoed payload differs");
        }

        Assert.Equal(1, handler.ConnectionCount("127.0.0.1", url.Port));
    }

    [PeerFact]
    public async Task ServerStreaming_ManyMessages_AllArriveInOrder()
    {
        var url = server.RequireAddress();
        using var client = new HttpMessageInvoker(new Http2Handler(new Http2HandlerOptions { StreamWindow = 65535 }));
        using var request = Call(url, "ServerStream", Message(("tick", [], 3000)));

        using var response = await client.SendAsync(request, CancellationToken.None);
        var messages = Frames(await response.Content.ReadAsByteArrayAsync());

        Assert.Equal(3000, messages.Count);
        Assert.All(messages, m => Assert.Equal("tick", Reply(m).Text));
        Assert.Equal("0", Single(response.TrailingHeaders, "grpc-status"));
    }

    [PeerFact]
    public async Task ErrorStatus_ComesBackWithItsMessage()
    {
        var url = server.RequireAddress();
        using var client = new HttpMessageInvoker(new Http2Handler());
        using var request = Call(url, "Unary", Message(("fail:5:gone for good", [], 0)));

        using var response = await client.SendAsync(request, CancellationToken.None);
        await response.Content.ReadAsByteArrayAsync();

        // Trailers-only (status in the headers) or trailers after an empty body: both are valid gRPC.
        var headers = response.TrailingHeaders.NonValidated.Contains("grpc-status") ? (HttpHeaders)response.TrailingHeaders : response.Headers;
        Assert.Equal("5", Single(headers, "grpc-status"));
        Assert.Equal("gone for good", Uri.UnescapeDataString(Single(headers, "grpc-message")));
    }

    [PeerFact]
    public async Task LargeResponse_BeyondTheWindows_ArrivesWhole()
    {
        var url = server.RequireAddress();
        using var client = new HttpMessageInvoker(new Http2Handler(new Http2HandlerOptions { StreamWindow = 65535, ConnectionWindow = 65535 }));
        using var request = Call(url, "Size", Message(("", [], 3 * 1024 * 1024)));

        using var response = await client.SendAsync(request, CancellationToken.None);
        var messages = Frames(await response.Content.ReadAsByteArrayAsync());

        var (_, payload) = Reply(Assert.Single(messages));
        Assert.Equal(3 * 1024 * 1024, payload.Length);
        Assert.Equal("0", Single(response.TrailingHeaders, "grpc-status"));
    }

    private static HttpRequestMessage Call(Uri url, string method, byte[] message)
    {
        var frame = new byte[5 + message.Length];
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(1), (uint)message.Length);
        message.CopyTo(frame, 5);
        var content = new ByteArrayContent(frame);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/grpc");
        var request = new HttpRequestMessage(HttpMethod.Post, new Uri(url, Service + method)) { Version = HttpVersion.Version20, Content = content };
        request.Headers.TryAddWithoutValidation("te", "trailers");
        return request;
    }

    // EchoRequest: message = 1 (string), payload = 2 (bytes), count = 3 (int32).
    private static byte[] Message((string Text, byte[] Payload, int Count) request)
    {
        using var buffer = new MemoryStream();
        var text = Encoding.UTF8.GetBytes(request.Text);
        if (text.Length > 0)
        {
            buffer.WriteByte(0x0a);
            WriteVarint(buffer, (uint)text.Length);
            buffer.Write(text);
        }

        if (request.Payload.Length > 0)
        {
            buffer.WriteByte(0x12);
            WriteVarint(buffer, (uint)request.Payload.Length);
            buffer.Write(request.Payload);
        }

        if (request.Count > 0)
        {
            buffer.WriteByte(0x18);
            WriteVarint(buffer, (uint)request.Count);
        }

        return buffer.ToArray();
    }

    // EchoReply: message = 1, payload = 2; other fields skipped.
    private static (string Text, byte[] Payload) Reply(byte[] message)
    {
        var text = "";
        byte[] payload = [];
        var position = 0;
        while (position < message.Length)
        {
            var tag = ReadVarint(message, ref position);
            switch (tag & 7)
            {
                case 0:
                    ReadVarint(message, ref position);
                    break;
                case 2:
                    var length = (int)ReadVarint(message, ref position);
                    if (tag >> 3 == 1)
                    {
                        text = Encoding.UTF8.GetString(message, position, length);
                    }
                    else if (tag >> 3 == 2)
                    {
                        payload = message.AsSpan(position, length).ToArray();
                    }

                    position += length;
                    break;
                default:
                    throw new InvalidDataException($"unexpected wire type in tag {tag}");
            }
        }

        return (text, payload);
    }

    private static List<byte[]> Frames(byte[] body)
    {
        var messages = new List<byte[]>();
        var position = 0;
        while (position < body.Length)
        {
            Assert.Equal(0, body[position]);
            var length = (int)BinaryPrimitives.ReadUInt32BigEndian(body.AsSpan(position + 1));
            messages.Add(body.AsSpan(position + 5, length).ToArray());
            position += 5 + length;
        }

        return messages;
    }

    private static void WriteVarint(Stream stream, uint value)
    {
        while (value >= 0x80)
        {
            stream.WriteByte((byte)(value | 0x80));
            value >>= 7;
        }

        stream.WriteByte((byte)value);
    }

    private static ulong ReadVarint(byte[] bytes, ref int position)
    {
        ulong value = 0;
        for (var shift = 0; ; shift += 7)
        {
            var b = bytes[position++];
            value |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0)
            {
                return value;
            }
        }
    }

    private static string Single(HttpHeaders headers, string name) =>
        headers.NonValidated.TryGetValues(name, out var values) ? values.ToString() : throw new Xunit.Sdk.XunitException($"no {name} header");
}
