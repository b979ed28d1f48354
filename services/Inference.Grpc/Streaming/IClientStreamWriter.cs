namespace Inference.Grpc;

/// <summary>The request side of a client- or bidirectional-streaming call.</summary>
public interface IClientStreamWriter<in T> : IAsyncStreamWriter<T>
{
    /// <summary>Ends the request stream (half-close).</summary>
    ValueTask CompleteAsync();
}
