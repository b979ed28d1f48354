using Grpc.Core;

namespace Inference.Router.Metrics;

/// <summary>The <c>grpc_code</c> label of a status: its canonical name (<c>OK</c>, <c>UNAVAILABLE</c>, …).</summary>
internal static class StatusLabels
{
    private static readonly string[] Names =
    [
        "OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND", "ALREADY_EXISTS",
        "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION", "ABORTED", "OUT_OF_RANGE",
        "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS", "UNAUTHENTICATED",
    ];

    public static string Of(StatusCode code) => (uint)code < (uint)Names.Length ? Names[(int)code] : "UNKNOWN";
}
