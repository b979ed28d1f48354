namespace Inference.Router.Routing;

/// <summary>The outcome of an admin change: applied (with before and after weights) or refused with a reason.</summary>
internal sealed record AdminChangeResult(
    int StatusCode,
    string? Error,
    string? Experiment = null,
    IReadOnlyDictionary<string, decimal>? Before = null,
    IReadOnlyDictionary<string, decimal>? After = null,
    long Revision = 0)
{
    public bool Applied => Error is null;

    public static AdminChangeResult Refused(int statusCode, string error) => new(statusCode, error);
}
