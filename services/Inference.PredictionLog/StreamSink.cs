namespace Inference.PredictionLog;

/// <summary>Lines to one stream (standard output), never rotated.</summary>
public sealed class StreamSink(Stream stream, bool ownsStream = false) : ILineSink
{
    public ValueTask WriteLineAsync(ReadOnlyMemory<byte> line, CancellationToken cancellationToken) => stream.WriteAsync(line, cancellationToken);

    public ValueTask FlushAsync(CancellationToken cancellationToken) => new(stream.FlushAsync(cancellationToken));

    public ValueTask DisposeAsync() => ownsStream ? stream.DisposeAsync() : ValueTask.CompletedTask;
}
