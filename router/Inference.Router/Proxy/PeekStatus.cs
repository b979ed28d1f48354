namespace Inference.Router.Proxy;

internal enum PeekStatus
{
    /// <summary>Examined as far as needed (or allowed); the fields found are final.</summary>
    Done,

    /// <summary>More of the body is needed before deciding.</summary>
    NeedMore,

    /// <summary>The body is not a well-formed gRPC message; see the error.</summary>
    Invalid,

    /// <summary>The first message is compressed (flag 1); the caller decompresses a copy.</summary>
    Compressed,
}
