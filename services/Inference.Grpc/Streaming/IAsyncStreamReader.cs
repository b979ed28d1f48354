namespace Inference.Grpc;

/// <summary>Reads the messages of a stream, one at a time.</summary>
public interface IAsyncStreamReader<out T>
{
    /// <summary>The message read by the last successful <see cref="MoveNextAsync"/>.</summary>
    T Current { get; }

    /// <summary>Advances to the next message; false at the end of the stream.</summary>
    ValueTask<bool> MoveNextAsync(CancellationToken cancellationToken = default);
}
