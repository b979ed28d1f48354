namespace Inference.Router.Routing;

/// <summary>
/// The outcome of an admin change: applied (with before and after weights, and whether the state file
/// was written: null without one) or refused with a reason (and the current revision).
/// </summary>
internal sealed record AdminChangeResult(
    int StatusCode,
    string? Error,
    string? Experiment = null,
    IReadOnlyDictionary<string, decimal>? Before = null,
    IReadOnlyDictionary<string, decimal>? After = null,
    long Revision = 0,
    bool? Persisted = null)
{
    public bool Applied => Error is null;

    public static AdminChangeResult Refused(int statusCode, string error, long revision = 0) => new(statusCode, error, Revision: revision);
}
