namespace Inference.Testing;

/// <summary>Where a test router gets its admin bearer token (<see cref="RouterProcess.AdminToken"/>) from.</summary>
public enum AdminTokenSource
{
    /// <summary>Env ROUTER_ADMIN_TOKEN (what the chart does).</summary>
    Environment,

    /// <summary>--admin-token-file, the file ending in a newline as files written by tools do; the env variable unset.</summary>
    File,

    /// <summary>No token at all: the router keeps its admin port on loopback.</summary>
    None,
}
