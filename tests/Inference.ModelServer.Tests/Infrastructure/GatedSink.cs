using Inference.PredictionLog;

namespace Inference.ModelServer.Tests;

/// <summary>
/// A prediction log sink the test controls: a disk that hangs on its first write until <see cref="Release"/>, or one
/// that is full (every write fails). Keeps what it was given.
/// </summary>
internal sealed class GatedSink(bool full = false) : ILineSink
{
    private readonly TaskCompletionSource _gate = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _firstWrite = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<string> _lines = [];

    /// <summary>Completes when the writer is inside its first write (and, unless released, stuck there).</summary>
    public Task FirstWrite => _firstWrite.Task;

    public IReadOnlyList<string> Lines
    {
        get
        {
            lock (_lines)
            {
                return [.. _lines];
            }
        }
    }

    public void Release() => _gate.TrySetResult();

    public async ValueTask WriteLineAsync(ReadOnlyMemory<byte> line, CancellationToken cancellationToken)
    {
        _firstWrite.TrySetResult();
        if (full)
        {
            throw new IOException("No space left on device");
        }

        await _gate.Task.WaitAsync(cancellationToken);
        lock (_lines)
        {
            _lines.Add(System.Text.Encoding.UTF8.GetString(line.Span));
        }
    }

    public ValueTask FlushAsync(CancellationToken cancellationToken) => ValueTask.CompletedTask;

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
