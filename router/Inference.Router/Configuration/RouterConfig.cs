namespace Inference.Router.Configuration;

/// <summary>A parsed and validated router configuration: the models it serves and how it reaches them.</summary>
public sealed record RouterConfig
{
    /// <summary>Models by name (ordinal).</summary>
    public required IReadOnlyDictionary<string, ModelConfig> Models { get; init; }

    /// <summary>Interval between active grpc.health.v1 checks of every endpoint; zero disables them.</summary>
    public TimeSpan HealthCheckInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How long one active health check may take before it counts as failed.</summary>
    public TimeSpan HealthCheckTimeout { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>How long an endpoint that refused or reset a connection is left out of balancing.</summary>
    public TimeSpan EjectionDuration { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Interval between re-resolutions of endpoints given as DNS names.</summary>
    public TimeSpan DnsRefreshInterval { get; init; } = TimeSpan.FromSeconds(10);
}
