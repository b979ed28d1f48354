using System.Buffers;
using System.Diagnostics.Metrics;
using System.Text.Json;
using System.Threading.Channels;

namespace Inference.PredictionLog;

/// <summary>
/// The prediction log: a call asks <see cref="ShouldSample"/>, and if so hands its record to <see cref="TryEnqueue"/>,
/// which never waits: a full queue (a slow or full disk) drops the record and counts it. One background task formats
/// the records and writes them; a write that fails is counted as dropped and the log carries on.
/// </summary>
public sealed class PredictionLogWriter : IAsyncDisposable
{
    private readonly Channel<IPredictionRecord> _queue;
    private readonly ILineSink _sink;
    private readonly Func<double> _random;
    private readonly Counter<long> _dropped;
    private readonly Counter<long> _written;
    private readonly Task _writing;
    private readonly CancellationTokenSource _stop = new();

    /// <param name="random">Uniform in [0, 1): the sampling draw (injected so tests know which calls are sampled).</param>
    /// <param name="meter">The host's meter: <paramref name="metricPrefix"/>_prediction_log_dropped_total and _records_total are created on it.</param>
    public PredictionLogWriter(PredictionLogOptions options, ILineSink sink, Func<double> random, Meter meter, string metricPrefix)
    {
        Options = options;
        _sink = sink;
        _random = random;
        _dropped = meter.CreateCounter<long>($"{metricPrefix}_prediction_log_dropped_total", unit: "{record}",
            description: "Sampled calls the prediction log could not keep: its queue was full (a slow or full disk) or the write failed.");
        _written = meter.CreateCounter<long>($"{metricPrefix}_prediction_log_records_total", unit: "{record}",
            description: "Sampled calls written to the prediction log.");
        _queue = Channel.CreateBounded<IPredictionRecord>(new BoundedChannelOptions(Math.Max(1, options.QueueCapacity))
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
        _writing = Task.Run(WriteAsync);
    }

    public PredictionLogOptions Options { get; }

    /// <summary>Whether this call is recorded: one draw per call against the sample rate.</summary>
    public bool ShouldSample() => Options.SampleRate > 0 && (Options.SampleRate >= 1 || _random() < Options.SampleRate);

    /// <summary>Queues a record without waiting; false (and counted) when the queue is full.</summary>
    public bool TryEnqueue(IPredictionRecord record)
    {
        if (_queue.Writer.TryWrite(record))
        {
            return true;
        }

        _dropped.Add(1);
        return false;
    }

    /// <summary>Stops taking records, writes what is queued (until <paramref name="cancellationToken"/>), and closes the sink.</summary>
    public async Task CompleteAsync(CancellationToken cancellationToken)
    {
        _queue.Writer.TryComplete();
        try
        {
            await _writing.WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            // A sink that does not move (a hung disk) is abandoned rather than holding up shutdown.
            await _stop.CancelAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await CompleteAsync(timeout.Token);
        _stop.Dispose();
    }

    private async Task WriteAsync()
    {
        var buffer = new ArrayBufferWriter<byte>(4096);
        await using var json = new Utf8JsonWriter(buffer);
        var reader = _queue.Reader;
        var token = _stop.Token;
        try
        {
            while (await reader.WaitToReadAsync(token))
            {
                while (reader.TryRead(out var record))
                {
                    buffer.ResetWrittenCount();
                    json.Reset(buffer);
                    try
                    {
                        record.WriteTo(json, Options);
                        json.Flush();
                        buffer.Write("\n"u8);
                        await _sink.WriteLineAsync(buffer.WrittenMemory, token);
                        _written.Add(1);
                    }
                    catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidOperationException or ArgumentException)
                    {
                        _dropped.Add(1);
                    }
                }

                try
                {
                    await _sink.FlushAsync(token);
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    // Lines buffered but not on disk: the next flush tries again; nothing to count per record.
                }
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
        }
        finally
        {
            await _sink.DisposeAsync();
        }
    }
}
