using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Inference.Router.Tests.Infrastructure;

/// <summary>Collects formatted log lines of a router under test.</summary>
public sealed class LogSink : ILoggerProvider
{
    private readonly ConcurrentQueue<string> _lines = new();
    private readonly SemaphoreSlim _added = new(0);

    public IReadOnlyCollection<string> Lines => _lines;

    /// <summary>The lowest level recorded; Information unless a test looks for debug lines.</summary>
    public LogLevel MinimumLevel { get; set; } = LogLevel.Information;

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    /// <summary>Waits until a line containing every fragment appears; fails after the timeout.</summary>
    public async Task<string> WaitForAsync(TimeSpan timeout, params string[] fragments)
    {
        using var cts = new CancellationTokenSource(timeout);
        while (true)
        {
            var hit = _lines.FirstOrDefault(l => fragments.All(f => l.Contains(f, StringComparison.Ordinal)));
            if (hit is not null)
            {
                return hit;
            }

            try
            {
                await _added.WaitAsync(cts.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"no log line with [{string.Join("; ", fragments)}]; lines:\n{string.Join("\n", _lines)}");
            }
        }
    }

    public void Dispose()
    {
    }

    private sealed class Logger(LogSink sink, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= sink.MinimumLevel;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel))
            {
                return;
            }

            sink._lines.Enqueue($"{logLevel}: {category}[{eventId.Id}] {formatter(state, exception)}{(exception is null ? "" : "\n" + exception)}");
            sink._added.Release();
        }
    }
}
