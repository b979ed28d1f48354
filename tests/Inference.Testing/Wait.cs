namespace Inference.Testing;

/// <summary>Waiting on a condition with a timeout: a bound, never a measurement.</summary>
public static class Wait
{
    /// <summary>Re-checks <paramref name="condition"/> until it holds; fails after the timeout.</summary>
    public static Task UntilAsync(Func<bool> condition, string what, int timeoutSeconds = 60) =>
        UntilAsync(() => Task.FromResult(condition()), what, timeoutSeconds);

    /// <inheritdoc cref="UntilAsync(Func{bool}, string, int)"/>
    public static async Task UntilAsync(Func<Task<bool>> condition, string what, int timeoutSeconds = 60)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(timeoutSeconds));
        while (!await condition())
        {
            if (timeout.IsCancellationRequested)
            {
                Assert.Fail($"Timed out waiting for {what}.");
            }

            await Task.Delay(20);
        }
    }

    /// <summary>
    /// Asserts that a counter read by <paramref name="read"/> reaches exactly <paramref name="expected"/>. Servers
    /// count a call just after answering it, so the value is re-read for a while before the assertion.
    /// </summary>
    public static async Task CountAsync(double expected, Func<Task<double>> read, string what, int timeoutSeconds = 30)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(timeoutSeconds));
        var actual = await read();
        while (actual < expected && !timeout.IsCancellationRequested)
        {
            await Task.Delay(20);
            actual = await read();
        }

        Assert.True(expected == actual, $"{what}: expected {expected}, counted {actual}");
    }
}
