using Microsoft.Extensions.Primitives;

namespace Inference.Grpc.Server;

/// <summary>Header values built once, so responses do not format strings per call.</summary>
internal static class StatusStrings
{
    private static readonly StringValues[] s_codes = Build();

    public static readonly StringValues Ok = s_codes[0];
    public static readonly StringValues ContentType = new(GrpcProtocol.ContentType);
    public static readonly StringValues AcceptEncoding = new(GrpcProtocol.SupportedAcceptEncoding);
    public static readonly StringValues Gzip = new(GrpcProtocol.GzipEncoding);

    public static StringValues For(StatusCode code)
    {
        var index = (int)code;
        return (uint)index < (uint)s_codes.Length ? s_codes[index] : new StringValues(index.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    private static StringValues[] Build()
    {
        var values = new StringValues[17];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = new StringValues(i.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        return values;
    }
}
