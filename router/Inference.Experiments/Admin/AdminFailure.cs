namespace Inference.Experiments.Admin;

/// <summary>Why a call to one instance's admin API did not succeed.</summary>
/// <param name="StatusCode">The HTTP status; null when no answer came (connection, DNS, timeout).</param>
/// <param name="Message">The instance's own <c>error</c> text, or what went wrong on the way.</param>
/// <param name="Revision">The instance's current revision, when it said (a 412 does).</param>
internal sealed record AdminFailure(int? StatusCode, string Message, long? Revision = null)
{
    public static AdminFailure Transport(string message) => new(null, message);

    /// <summary>Nothing was decided by the instance: no answer, or a gateway in between gave up.</summary>
    public bool IsRetryable => StatusCode is null or 502 or 503 or 504;

    /// <summary>One line for a person: the status and the instance's reason, with what to do about a token problem.</summary>
    public string Describe() => StatusCode switch
    {
        null => Message,
        401 => $"HTTP 401: {Message} (give the admin token: env ROUTER_ADMIN_TOKEN or --token-file)",
        403 => $"HTTP 403: {Message} (this instance does not accept the token given)",
        { } status => $"HTTP {status}: {Message}",
    };
}
