using System.Net;
using Inference.Grpc.Tests.Echo;

namespace Inference.Grpc.Tests.Functional;

/// <summary>The server's responses as bytes and headers, read with a plain HTTP client.</summary>
public sealed class WireTests(TestServerFixture fixture) : IClassFixture<TestServerFixture>
{
    [Fact]
    public async Task Unary_ResponseHasGrpcHeadersMessageAndStatusTrailer()
    {
        using var client = RawGrpc.CreateClient(HttpVersion.Version20);
        using var response = await client.SendAsync(RawGrpc.Request(fixture.Server.H2cAddress, EchoService.Unary, new EchoRequest { Message = "wire" }));
        var body = await response.Content.ReadAsByteArrayAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/grpc", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("identity,gzip", RawGrpc.Header(response, "grpc-accept-encoding"));
        Assert.Null(RawGrpc.Header(response, "grpc-status"));
        Assert.Equal(0, body[0]);
        Assert.Equal(body.Length - 5, (body[1] << 24) | (body[2] << 16) | (body[3] << 8) | body[4]);
        Assert.Equal("wire", EchoReply.Parser.ParseFrom(body, 5, body.Length - 5).Message);
        Assert.Equal("0", RawGrpc.Trailer(response, "grpc-status"));
    }

    [Fact]
    public async Task Error_BeforeAnyMessage_IsTrailersOnlyWithPercentEncodedMessage()
    {
        using var client = RawGrpc.CreateClient(HttpVersion.Version20);
        using var response = await client.SendAsync(RawGrpc.Request(fixture.Server.H2cAddress, EchoService.Unary, new EchoRequest { Message = "fail:7:non autorisé" }));
        var body = await response.Content.ReadAsByteArrayAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Empty(body);
        Assert.Equal("7", RawGrpc.Header(response, "grpc-status"));
        Assert.Equal("non autoris%C3%A9", RawGrpc.Header(response, "grpc-message"));
        Assert.Empty(response.TrailingHeaders);
    }

    [Fact]
    public async Task Deadline_ServerAnswersDeadlineExceeded()
    {
        using var client = RawGrpc.CreateClient(HttpVersion.Version20);
        var request = RawGrpc.Request(fixture.Server.H2cAddress, EchoService.Unary, new EchoRequest { Message = "sleep" });
        request.Headers.Add("grpc-timeout", "100m");
        using var response = await client.SendAsync(request).WaitAsync(TimeSpan.FromSeconds(30));
        await response.Content.ReadAsByteArrayAsync();

        Assert.Equal("4", RawGrpc.Header(response, "grpc-status") ?? RawGrpc.Trailer(response, "grpc-status"));
    }

    [Theory]
    [InlineData("10x")]
    [InlineData("S")]
    [InlineData("123456789S")]
    [InlineData("-5S")]
    [InlineData("1.5S")]
    public async Task InvalidTimeout_IsInternal_TrailersOnly(string value)
    {
        using var client = RawGrpc.CreateClient(HttpVersion.Version20);
        var request = RawGrpc.Request(fixture.Server.H2cAddress, EchoService.Unary, new EchoRequest { Message = "x" });
        request.Headers.TryAddWithoutValidation("grpc-timeout", value);
        using var response = await client.SendAsync(request);
        var body = await response.Content.ReadAsByteArrayAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("13", RawGrpc.Header(response, "grpc-status"));
        Assert.Equal(GrpcMessageEncoding.Encode($"Invalid grpc-timeout '{value}'."), RawGrpc.Header(response, "grpc-message"));
        Assert.Empty(body);
        Assert.Empty(response.TrailingHeaders);
    }

    [Fact]
    public async Task Http11_IsRejectedWithUpgradeRequired()
    {
        using var client = RawGrpc.CreateClient(HttpVersion.Version11);
        var request = RawGrpc.Request(fixture.Server.Http1Address, EchoService.Unary, new EchoRequest());
        request.Version = HttpVersion.Version11;
        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.UpgradeRequired, response.StatusCode);
        Assert.Equal("13", RawGrpc.Header(response, "grpc-status"));
    }

    [Fact]
    public async Task WrongContentType_Is415()
    {
        using var client = RawGrpc.CreateClient(HttpVersion.Version20);
        using var response = await client.SendAsync(RawGrpc.Request(fixture.Server.H2cAddress, EchoService.Unary, new EchoRequest(), "application/json"));

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
    }

    [Fact]
    public async Task UnsupportedEncoding_IsUnimplementedAndAdvertisesSupported()
    {
        using var client = RawGrpc.CreateClient(HttpVersion.Version20);
        var request = RawGrpc.Request(fixture.Server.H2cAddress, EchoService.Unary, new EchoRequest());
        request.Headers.Add("grpc-encoding", "snappy");
        using var response = await client.SendAsync(request);

        Assert.Equal("12", RawGrpc.Header(response, "grpc-status"));
        Assert.Equal("identity,gzip", RawGrpc.Header(response, "grpc-accept-encoding"));
    }

    [Fact]
    public async Task CompressedResponse_SetsEncodingHeaderAndFlag()
    {
        using var client = RawGrpc.CreateClient(HttpVersion.Version20);
        var request = RawGrpc.Request(fixture.Server.H2cAddress, EchoService.Unary, new EchoRequest { Message = "compress" }, compressed: true);
        request.Headers.Add("grpc-encoding", "gzip");
        request.Headers.Add("grpc-accept-encoding", "gzip");
        using var response = await client.SendAsync(request);
        var body = await response.Content.ReadAsByteArrayAsync();

        Assert.Equal("gzip", RawGrpc.Header(response, "grpc-encoding"));
        Assert.Equal(1, body[0]);
        Assert.Equal("0", RawGrpc.Trailer(response, "grpc-status"));
    }

    [Fact]
    public async Task CompressResponse_ClientWithoutGzip_GetsIdentity()
    {
        using var client = RawGrpc.CreateClient(HttpVersion.Version20);
        var request = RawGrpc.Request(fixture.Server.H2cAddress, EchoService.Unary, new EchoRequest { Message = "compress" });
        using var response = await client.SendAsync(request);
        var body = await response.Content.ReadAsByteArrayAsync();

        Assert.Null(RawGrpc.Header(response, "grpc-encoding"));
        Assert.Equal(0, body[0]);
    }

    [Fact]
    public async Task UnaryWithTwoMessages_IsInternal()
    {
        using var client = RawGrpc.CreateClient(HttpVersion.Version20);
        var one = RawGrpc.Request(fixture.Server.H2cAddress, EchoService.Unary, new EchoRequest { Message = "a" });
        var bytes = await one.Content!.ReadAsByteArrayAsync();
        var request = RawGrpc.Request(fixture.Server.H2cAddress, EchoService.Unary, null);
        request.Content = new ByteArrayContent([.. bytes, .. bytes]);
        request.Content.Headers.ContentType = new("application/grpc");
        using var response = await client.SendAsync(request);

        Assert.Equal("13", RawGrpc.Header(response, "grpc-status"));
    }
}
