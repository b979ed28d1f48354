namespace Inference.Router.Http2.Hpack;

/// <summary>Receives the fields of a decoded header block, in order.</summary>
internal interface IHeaderSink
{
    /// <param name="staticIndex">The static table entry the field is, or whose name it uses; 0 otherwise.</param>
    void OnHeader(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value, int staticIndex);
}
