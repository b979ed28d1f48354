namespace Inference.Router.Tests.Infrastructure;

internal static class Poll
{
    /// <summary>
    /// Waits until <paramref name="condition"/> holds, checking every 20 ms; fails after <paramref name="timeout"/>.
    /// For counters of in-process fakes, which have no event to wait on.
    /// </summary>
    public static async Task UntilAsync(Func<bool> condition, string what, TimeSpan timeout)
    {
        using var expiry = new CancellationTokenSource(timeout);
        while (!condition())
        {
            await Task.Delay(TimeSpan.FromMilliseconds(20), expiry.Token).ContinueWith(t => Assert.False(t.IsCanceled, $"timed out after {timeout} waiting for {what}"), TaskScheduler.Default);
        }
    }

    /// <summary>Waits until <paramref name="condition"/> holds (a scrape, a call), checking every 20 ms; fails after <paramref name="timeout"/>.</summary>
    public static async Task UntilAsync(Func<Task<bool>> condition, string what, TimeSpan timeout)
    {
        using var expiry = new CancellationTokenSource(timeout);
        while (!await condition())
        {
            await Task.Delay(TimeSpan.FromMilliseconds(20), expiry.Token).ContinueWith(t => Assert.False(t.IsCanceled, $"timed out after {timeout} waiting for {what}"), TaskScheduler.Default);
        }
    }
}
