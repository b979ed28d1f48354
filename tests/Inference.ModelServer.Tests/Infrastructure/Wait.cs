namespace Inference.ModelServer.Tests;

internal static class Wait
{
    /// <summary>Polls <paramref name="condition"/> until it holds; fails after <paramref name="timeoutSeconds"/>.</summary>
    public static Task UntilAsync(Func<bool> condition, string what, int timeoutSeconds = 30) =>
        UntilAsync(() => Task.FromResult(condition()), what, timeoutSeconds);

    /// <inheritdoc cref="UntilAsync(Func{bool}, string, int)"/>
    public static async Task UntilAsync(Func<Task<bool>> condition, string what, int timeoutSeconds = 30)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(timeoutSeconds));
        while (!await condition())
        {
            if (timeout.IsCancellationRequested)
            {
                Assert.Fail($"Timed out waiting for {what}.");
            }

            await Task.Delay(10);
        }
    }
}
