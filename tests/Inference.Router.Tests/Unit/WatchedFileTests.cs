using Inference.Router.Hosting;
using Inference.Testing;
using Microsoft.Extensions.Logging.Abstractions;

namespace Inference.Router.Tests.Unit;

public sealed class WatchedFileTests
{
    [Fact]
    public async Task RunAsync_ACallbackThatThrows_DoesNotEndTheWatch()
    {
        using var scratch = new TempDirectory("watch");
        var path = scratch.File("router.json");
        await File.WriteAllTextAsync(path, "{}");
        using var file = new WatchedFile(path, TimeProvider.System, TimeSpan.FromMilliseconds(50), NullLogger.Instance);
        using var stop = new CancellationTokenSource();
        var calls = 0;
        var calledAgain = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var run = file.RunAsync(_ =>
        {
            if (Interlocked.Increment(ref calls) == 1)
            {
                // What a 40 MB file did to the reload before files had a size limit.
                throw new OutOfMemoryException("simulated");
            }

            calledAgain.TrySetResult();
            return Task.CompletedTask;
        }, stop.Token);

        await calledAgain.Task.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.False(run.IsCompleted, "the watch ended");
        await stop.CancelAsync();
        await run;
    }
}
