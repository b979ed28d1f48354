using Inference.Contracts.Oip;

namespace Inference.Router.Tests.Infrastructure;

/// <summary>
/// Worker loops calling ModelInfer through a router until stopped. Each call records the phase (a
/// number the test moves forward, e.g. the routing revision) when it started and when it ended, so a
/// test can check the calls that started after a change without depending on timing.
/// </summary>
internal sealed class ContinuousLoad : IAsyncDisposable
{
    private readonly List<LoadCall> _calls = [];
    private readonly SemaphoreSlim _completed = new(0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _workers;

    /// <param name="user">The sticky key of worker w's i-th call.</param>
    public ContinuousLoad(GrpcTestClient client, string url, int workers, Func<long> phase, Func<int, int, string> user)
    {
        _workers = Task.WhenAll(Enumerable.Range(0, workers).Select(w => Task.Run(async () =>
        {
            for (var i = 0; !_stop.IsCancellationRequested; i++)
            {
                var key = user(w, i);
                var started = phase();
                GrpcCallResult result;
                try
                {
                    result = await client.CallAsync(url, "/inference.GRPCInferenceService/ModelInfer", new ModelInferRequest { ModelName = "iris", Id = $"load-{w}-{i}" }, [new("x-user-id", key)]);
                }
                catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException or IOException)
                {
                    result = new GrpcCallResult(-1, ex.Message, new Dictionary<string, string>(), null);
                }

                lock (_calls)
                {
                    _calls.Add(new LoadCall(key, started, phase(), result));
                }

                _completed.Release();
            }
        })));
    }

    public IReadOnlyList<LoadCall> Calls
    {
        get
        {
            lock (_calls)
            {
                return [.. _calls];
            }
        }
    }

    /// <summary>Waits until <paramref name="condition"/> holds for the calls completed so far; fails after <paramref name="timeout"/>.</summary>
    public async Task UntilAsync(Func<IReadOnlyList<LoadCall>, bool> condition, string what, TimeSpan timeout)
    {
        using var expiry = new CancellationTokenSource(timeout);
        while (!condition(Calls))
        {
            try
            {
                await _completed.WaitAsync(expiry.Token);
            }
            catch (OperationCanceledException)
            {
                var calls = Calls;
                throw new TimeoutException($"load: waited {timeout} for {what}; {calls.Count} calls, {calls.Count(c => c.Result.Status != 0)} failed");
            }
        }
    }

    /// <summary>Stops the workers after their current call and returns every call made.</summary>
    public async Task<IReadOnlyList<LoadCall>> StopAsync()
    {
        await _stop.CancelAsync();
        await _workers;
        return Calls;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_stop.IsCancellationRequested)
        {
            await StopAsync();
        }

        _stop.Dispose();
        _completed.Dispose();
    }
}
