using System.IO.Pipelines;
using System.Net;

namespace Inference.Router.Proxy;

/// <summary>
/// Wraps the forwarder's request content so that HttpClient's request stream reaches it through a
/// <see cref="FlushCoalescingStream"/>. The forwarder's content still does the copy (its error
/// reporting, activity timeout and consumption tracking are unchanged); only flushes that would
/// split a ready body into separate packets are dropped.
/// </summary>
internal sealed class CoalescingRequestContent : HttpContent
{
    private readonly HttpContent _inner;
    private readonly FlushCoalescingStream _stream;
    private readonly PipeReader _source;

    public CoalescingRequestContent(HttpContent inner, FlushCoalescingStream stream, PipeReader source)
    {
        _inner = inner;
        _stream = stream;
        _source = source;
        foreach (var header in inner.Headers.NonValidated)
        {
            if (header.Value.Count == 1)
            {
                Headers.TryAddWithoutValidation(header.Key, header.Value.ToString());
            }
            else
            {
                Headers.TryAddWithoutValidation(header.Key, header.Value);
            }
        }
    }

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
        SerializeToStreamAsync(stream, context, CancellationToken.None);

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        _stream.Attach(stream, _source);
        // The same token: the forwarder tells HTTP/2 from HTTP/1.1 by it.
        return _inner.CopyToAsync(_stream, context, cancellationToken);
    }

    protected override bool TryComputeLength(out long length)
    {
        length = -1;
        return false;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _inner.Dispose();
        }

        base.Dispose(disposing);
    }
}
