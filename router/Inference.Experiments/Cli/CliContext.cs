using System.Net;

namespace Inference.Experiments.Cli;

/// <summary>What the tool touches outside itself: output, environment, DNS, HTTP and time (replaced in tests).</summary>
internal sealed record CliContext
{
    public required TextWriter Out { get; init; }

    public required TextWriter Error { get; init; }

    public Func<string, string?> Environment { get; init; } = System.Environment.GetEnvironmentVariable;

    public Func<string, CancellationToken, Task<IPAddress[]>> Resolve { get; init; } = Dns.GetHostAddressesAsync;

    /// <summary>The HTTP handler for a run, given the per-call timeout.</summary>
    public Func<TimeSpan, HttpMessageHandler> CreateHandler { get; init; } = DefaultHandler;

    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>The pause before a rollback's second attempt on an instance (doubled for the third).</summary>
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromMilliseconds(500);

    // Admin ports are called directly: an HTTP proxy from the environment would hide the instances
    // (pod addresses are rarely reachable through one).
    private static SocketsHttpHandler DefaultHandler(TimeSpan timeout) => new()
    {
        UseProxy = false,
        ConnectTimeout = timeout,
        AllowAutoRedirect = false,
    };
}
