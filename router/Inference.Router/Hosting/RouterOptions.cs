using System.Net;
using Inference.Router.Routing;

namespace Inference.Router.Hosting;

/// <summary>What the router was started with: the command-line flags plus seams for tests.</summary>
internal sealed record RouterOptions
{
    public required string ConfigPath { get; init; }

    public string Host { get; init; } = "0.0.0.0";

    public int Port { get; init; } = 8080;

    public int AdminPort { get; init; } = 8081;

    /// <summary>The admin bearer token; null means none (admin API on loopback only).</summary>
    public string? AdminToken { get; init; }

    /// <summary>Where the admin token came from (--admin-token-file); re-read when it changes. Null: the token is fixed.</summary>
    public string? AdminTokenFile { get; init; }

    public string? StateFile { get; init; }

    /// <summary>How often the experiment statistics are written beside the state file (also at shutdown).</summary>
    public TimeSpan ResultsSaveInterval { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>The prediction log (--prediction-log); null: off.</summary>
    public Inference.PredictionLog.PredictionLogOptions? PredictionLog { get; init; }

    /// <summary>The prediction log's sampling draw, uniform in [0, 1) (tests inject a known sequence).</summary>
    public Func<double> PredictionLogRandom { get; init; } = System.Random.Shared.NextDouble;

    /// <summary>Where the prediction log writes instead of its target (tests); null: the target.</summary>
    public Func<Inference.PredictionLog.ILineSink>? PredictionLogSink { get; init; }

    /// <summary>After SIGTERM, how long to keep serving while /readyz says 503 (load balancers notice first).</summary>
    public TimeSpan DrainDelay { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Sizes and times that bound what one client can hold (see router/README.md, "Limits and how to size them").</summary>
    public RouterLimits Limits { get; init; } = new();

    /// <summary>How often the configuration and admin token files are re-read even without a change notification.</summary>
    public TimeSpan ConfigPollInterval { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Whether traces are recorded and exported over OTLP (OTEL_EXPORTER_OTLP_ENDPOINT is set).</summary>
    public bool Tracing { get; init; }

    public TimeProvider Time { get; init; } = TimeProvider.System;

    public IRandomSource Random { get; init; } = SharedRandomSource.Instance;

    public Func<string, CancellationToken, Task<IPAddress[]>>? Resolve { get; init; }

    /// <summary>Extra logging setup (tests capture log lines through it).</summary>
    public Action<ILoggingBuilder>? ConfigureLogging { get; init; }
}
