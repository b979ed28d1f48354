namespace Inference.Testing;

/// <summary>How a test starts the router: its listen address, admin port and token, whether it keeps a state file, more flags.</summary>
public sealed record RouterLaunch
{
    public static RouterLaunch Default { get; } = new();

    /// <summary>--host; the gRPC port is always 0.</summary>
    public string Host { get; init; } = "127.0.0.1";

    /// <summary>--admin-port; 0 (the default) for a free one.</summary>
    public int AdminPort { get; init; }

    public AdminTokenSource Token { get; init; } = AdminTokenSource.Environment;

    /// <summary>Pass --state-file (in the router's temp directory, kept across <see cref="RouterProcess.RestartAsync"/>).</summary>
    public bool StateFile { get; init; }

    /// <summary>Further flags, after the ones above.</summary>
    public IReadOnlyList<string> Arguments { get; init; } = [];
}
