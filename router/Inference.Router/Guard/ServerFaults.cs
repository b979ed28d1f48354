using Grpc.Core;

namespace Inference.Router.Guard;

/// <summary>Which outcomes count against a version: server faults, never the caller's own mistakes.</summary>
internal static class ServerFaults
{
    /// <summary>
    /// Whether <paramref name="status"/> is a fault of the serving version. Upstream failures reach the caller as
    /// UNAVAILABLE, so they count too.
    /// </summary>
    public static bool IsFault(StatusCode status) => status is
        StatusCode.Unavailable or StatusCode.Internal or StatusCode.Unknown or StatusCode.DeadlineExceeded
        or StatusCode.ResourceExhausted or StatusCode.DataLoss;

    /// <summary>
    /// Whether the call is judged at all: a call the caller cancelled (or whose deadline the caller's client
    /// enforced by resetting it) says nothing about the version, so it is left out of both rates and latency.
    /// </summary>
    public static bool IsJudged(StatusCode status) => status != StatusCode.Cancelled;
}
