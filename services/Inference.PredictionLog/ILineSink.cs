namespace Inference.PredictionLog;

/// <summary>Where finished JSON lines go: rotating files, standard output, or a test's stream.</summary>
public interface ILineSink : IAsyncDisposable
{
    /// <summary>Writes one line (its bytes end with a newline).</summary>
    ValueTask WriteLineAsync(ReadOnlyMemory<byte> line, CancellationToken cancellationToken);

    /// <summary>Pushes buffered lines out (called when the queue runs empty).</summary>
    ValueTask FlushAsync(CancellationToken cancellationToken);
}
