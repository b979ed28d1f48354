using System.Collections.Concurrent;
using Inference.Client;
using Grpc.Core;

namespace Inference.EndToEnd.Tests.Infrastructure;

/// <summary>
/// Concurrent callers sending one-row ModelInfer calls through a client until stopped. Every call is
/// recorded; the test moves <see cref="Phase"/> around the changes it makes, so each record says what
/// was in effect when it was sent and when it ended. Bounded by call count, not by time.
/// </summary>
internal sealed class LoadRun : IAsyncDisposable
{
    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(30);

    private readonly OipTestClient _client;
    private readonly Func<long, string, Metadata> _headers;
    private readonly ConcurrentQueue<CallRecord> _records = new();
    private readonly List<(long Count, TaskCompletionSource Reached)> _waiters = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly Task[] _workers;
    private readonly long _limit;
    private long _sequence;
    private long _completed;
    private volatile int _phase;

    /// <param name="client">Usually the router's client.</param>
    /// <param name="callers">Concurrent callers.</param>
    /// <param name="headers">Request headers for the call with this sequence number and sticky key.</param>
    /// <param name="limit">A safety bound: no caller starts a call beyond this many.</param>
    public LoadRun(OipTestClient client, int callers, Func<long, string, Metadata> headers, long limit = 20_000)
    {
        _client = client;
        _headers = headers;
        _limit = limit;
        _workers = Enumerable.Range(0, callers).Select(_ => Task.Run(WorkAsync)).ToArray();
    }

    /// <summary>Sticky keys only: each call is a different user.</summary>
    public static Func<long, string, Metadata> StickyUsers => static (_, key) => new Metadata { { RouterConfigFile.StickyHeader, key } };

    /// <summary>Every call asks for one experiment group (allowOverride).</summary>
    public static Func<long, string, Metadata> Group(string group) => (_, key) =>
        new Metadata { { RouterConfigFile.StickyHeader, key }, { "x-experiment-group", group } };

    public int Phase
    {
        get => _phase;
        set => _phase = value;
    }

    public long Completed => Interlocked.Read(ref _completed);

    public IReadOnlyList<CallRecord> Records => _records.OrderBy(r => r.Sequence).ToArray();

    /// <summary>Waits until <paramref name="count"/> calls in total have completed.</summary>
    public async Task WaitForCompletedAsync(long count, TimeSpan? timeout = null)
    {
        var reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_waiters)
        {
            if (Completed >= count)
            {
                return;
            }

            _waiters.Add((count, reached));
        }

        var patience = timeout ?? TimeSpan.FromSeconds(90);
        var allEnded = Task.WhenAll(_workers);
        if (await Task.WhenAny(reached.Task, allEnded).WaitAsync(patience) != reached.Task && Completed < count)
        {
            // Every caller ended (the call limit): rather than wait for the timeout, say so now.
            throw new InvalidOperationException($"load stopped before {count} calls completed ({Completed} did)");
        }
    }

    /// <summary>Waits for <paramref name="more"/> further calls to complete.</summary>
    public Task WaitForMoreAsync(long more, TimeSpan? timeout = null) => WaitForCompletedAsync(Completed + more, timeout);

    /// <summary>Stops starting calls and waits for those in flight.</summary>
    public async Task<IReadOnlyList<CallRecord>> StopAsync()
    {
        await _stop.CancelAsync();
        await Task.WhenAll(_workers);
        return Records;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_stop.IsCancellationRequested)
        {
            await _stop.CancelAsync();
        }

        try
        {
            await Task.WhenAll(_workers).WaitAsync(TimeSpan.FromSeconds(60));
        }
        catch (Exception)
        {
            // Disposal after a failed test: the failure that matters has been reported already.
        }

        _stop.Dispose();
    }

    private async Task WorkAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            var sequence = Interlocked.Increment(ref _sequence);
            if (sequence > _limit)
            {
                return;
            }

            var key = "user-" + sequence.ToString(System.Globalization.CultureInfo.InvariantCulture);
            var (request, row) = IrisCalls.RowRequest(sequence, key);
            var phaseAtStart = _phase;
            CallRecord record;
            try
            {
                // The stop token is not passed: a call started is a call finished, so a stop never fails one.
                var response = await _client.ModelInferAsync(request, OipTestClient.With(_headers(sequence, key), CallTimeout));
                record = new CallRecord(sequence, key, phaseAtStart, _phase, StatusCode.OK, null, response.Tags,
                    response.Message.ModelVersion, IrisCalls.VersionOfOutputs(response.Message, row));
            }
            catch (CallFailedException ex)
            {
                record = new CallRecord(sequence, key, phaseAtStart, _phase, ex.StatusCode, ex.Status.Detail, ex.Tags, null, null);
            }
            catch (Exception ex)
            {
                // Anything else is a failed call too; recorded so the test reports it, and the caller goes on.
                record = new CallRecord(sequence, key, phaseAtStart, _phase, StatusCode.Unknown, ex.ToString(), ResponseTags.None, null, null);
            }

            _records.Enqueue(record);
            var completed = Interlocked.Increment(ref _completed);
            lock (_waiters)
            {
                for (var i = _waiters.Count - 1; i >= 0; i--)
                {
                    if (completed >= _waiters[i].Count)
                    {
                        _waiters[i].Reached.TrySetResult();
                        _waiters.RemoveAt(i);
                    }
                }
            }
        }
    }
}
