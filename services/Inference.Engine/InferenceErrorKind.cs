namespace Inference.Engine;

/// <summary>What kind of failure an <see cref="InferenceException"/> reports; a server maps each to its own status.</summary>
public enum InferenceErrorKind
{
    /// <summary>The request is wrong (a tensor, a parameter, values the model refuses): the caller must change it.</summary>
    InvalidArgument,

    /// <summary>The request names a model or version that is not the one loaded.</summary>
    NotFound,

    /// <summary>Every admission slot stayed taken for the queue timeout: retry later.</summary>
    ResourceExhausted,

    /// <summary>The engine is stopping and takes no new requests.</summary>
    Unavailable,

    /// <summary>ONNX Runtime failed for a reason the request cannot be blamed for (or cannot be told apart from one).</summary>
    Internal,
}
