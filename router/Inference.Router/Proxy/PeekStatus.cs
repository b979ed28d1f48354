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

    /// <summary>The first message declares a length above the router's maximum message size.</summary>
    TooLarge,

    /// <summary>The first message did not arrive far enough within the first-message timeout.</summary>
    TimedOut,

    /// <summary>The model name or version field holds what cannot be one (longer than any configured name).</summary>
    NotAName,
}
