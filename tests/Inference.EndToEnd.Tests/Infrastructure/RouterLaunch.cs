namespace Inference.EndToEnd.Tests.Infrastructure;

/// <summary>How a test starts the router: its listen address, its admin token, whether it keeps a state file.</summary>
internal sealed record RouterLaunch
{
    public static RouterLaunch Default { get; } = new();

    /// <summary>--host; both ports are always 0.</summary>
    public string Host { get; init; } = "127.0.0.1";

    public AdminTokenSource Token { get; init; } = AdminTokenSource.Environment;

    /// <summary>Pass --state-file (in the router's temp directory, kept across <see cref="RouterProcess.RestartAsync"/>).</summary>
    public bool StateFile { get; init; }
}
