namespace Inference.Batch.Scoring;

/// <summary>
/// When to try a call again: only after UNAVAILABLE (the server was not reached, or is going away: nothing ran), up to
/// <see cref="Attempts"/> tries, waiting an exponentially growing, randomly jittered delay between them.
/// </summary>
internal sealed class RetryPolicy(int attempts, TimeSpan firstDelay, TimeSpan maxDelay, TimeProvider time, Random random)
{
    public int Attempts => attempts;

    /// <summary>The pause before try <paramref name="attempt"/> + 1 (attempt counts from 1): full jitter over the exponential bound.</summary>
    public TimeSpan Delay(int attempt)
    {
        var bound = Math.Min(maxDelay.TotalMilliseconds, firstDelay.TotalMilliseconds * Math.Pow(2, attempt - 1));
        double fraction;
        lock (random)
        {
            fraction = random.NextDouble();
        }

        return TimeSpan.FromMilliseconds(bound * (0.5 + fraction / 2));
    }

    public Task WaitAsync(int attempt, CancellationToken cancellationToken) => Task.Delay(Delay(attempt), time, cancellationToken);
}
