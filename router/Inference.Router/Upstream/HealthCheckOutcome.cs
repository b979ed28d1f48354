namespace Inference.Router.Upstream;

/// <summary>How one grpc.health.v1.Health/Check went.</summary>
internal enum HealthCheckOutcome
{
    /// <summary>Answered SERVING.</summary>
    Serving,

    /// <summary>Answered, but not SERVING (NOT_SERVING, an error status, a malformed answer).</summary>
    NotServing,

    /// <summary>Nobody listens at the address: the connection was refused.</summary>
    Refused,

    /// <summary>No answer: timed out, or the connection failed otherwise.</summary>
    Failed,
}
