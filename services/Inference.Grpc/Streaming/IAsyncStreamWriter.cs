namespace Inference.Grpc;

/// <summary>Writes messages to a stream. Writes must not overlap.</summary>
public interface IAsyncStreamWriter<in T>
{
    ValueTask WriteAsync(T message, CancellationToken cancellationToken = default);
}
