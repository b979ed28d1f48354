using System.Net;
using System.Net.Http;

namespace Inference.Grpc.Client;

/// <summary>
/// Request content of a streaming call: hands the HTTP/2 request stream to the caller's writer and
/// keeps the request open until the writer completes it.
/// </summary>
internal sealed class PushStreamContent : HttpContent
{
    private readonly TaskCompletionSource<Stream> _stream = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _complete = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public PushStreamContent()
    {
        Headers.TryAddWithoutValidation("Content-Type", GrpcProtocol.ContentType);
    }

    public Task<Stream> StreamTask => _stream.Task;

    /// <summary>Ends the request stream (END_STREAM is sent).</summary>
    public void Complete() => _complete.TrySetResult();

    /// <summary>
    /// Stops waiting for writes; the stream is never handed out after this. The request ends in a reset, not an
    /// END_STREAM a server would take for a complete request stream.
    /// </summary>
    public void Abort()
    {
        _stream.TrySetCanceled();
        _complete.TrySetCanceled();
    }

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
        SerializeToStreamAsync(stream, context, CancellationToken.None);

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        _stream.TrySetResult(stream);
        await _complete.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    protected override bool TryComputeLength(out long length)
    {
        length = -1;
        return false;
    }
}
