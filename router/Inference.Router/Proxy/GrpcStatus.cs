namespace Inference.Router.Proxy;

/// <summary>gRPC status codes and their names (used as the grpc_code metric label).</summary>
internal static class GrpcStatus
{
    public const int Ok = 0;
    public const int Cancelled = 1;
    public const int Unknown = 2;
    public const int InvalidArgument = 3;
    public const int DeadlineExceeded = 4;
    public const int NotFound = 5;
    public const int Internal = 13;
    public const int Unimplemented = 12;
    public const int Unavailable = 14;
    public const int Unauthenticated = 16;
    public const int PermissionDenied = 7;

    private static readonly string[] Names =
    [
        "OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND", "ALREADY_EXISTS",
        "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION", "ABORTED", "OUT_OF_RANGE",
        "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS", "UNAUTHENTICATED",
    ];

    private static readonly string[] Numbers = Enumerable.Range(0, Names.Length).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();

    public static string Name(int code) => (uint)code < (uint)Names.Length ? Names[code] : "UNKNOWN";

    public static string Number(int code) => (uint)code < (uint)Numbers.Length ? Numbers[code] : "2";

    /// <summary>Parses a grpc-status value; -1 when absent or malformed.</summary>
    public static int Parse(ReadOnlySpan<char> value)
    {
        if (value.Length is 0 or > 2)
        {
            return -1;
        }

        var code = 0;
        foreach (var c in value)
        {
            if (c is < '0' or > '9')
            {
                return -1;
            }

            code = (code * 10) + (c - '0');
        }

        return code;
    }

    /// <summary>The status a gRPC client derives from an HTTP status without grpc-status (the gRPC HTTP mapping).</summary>
    public static int FromHttpStatus(int httpStatus) => httpStatus switch
    {
        400 => Internal,
        401 => Unauthenticated,
        403 => PermissionDenied,
        404 => Unimplemented,
        429 or 502 or 503 or 504 => Unavailable,
        _ => Unknown,
    };
}
