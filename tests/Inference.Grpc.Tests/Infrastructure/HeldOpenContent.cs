using System.Net;
using System.Net.Http.Headers;

namespace Inference.Grpc.Tests;

/// <summary>A gRPC request body that sends its first bytes and then stays open until the request is cancelled.</summary>
internal sealed class HeldOpenContent : HttpContent
{
    private readonly byte[] _first;

    public HeldOpenContent(byte[] first)
    {
        _first = first;
        Headers.ContentType = new MediaTypeHeaderValue("application/grpc");
    }

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
        SerializeToStreamAsync(stream, context, CancellationToken.None);

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        await stream.WriteAsync(_first, cancellationToken);
        await stream.FlushAsync(cancellationToken);
        await Task.Delay(Timeout.Infinite, cancellationToken);
    }

    protected override bool TryComputeLength(out long length)
    {
        length = -1;
        return false;
    }
}
