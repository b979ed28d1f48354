namespace Inference.Grpc;

/// <summary>The outcome of a call: a code and a message.</summary>
public readonly record struct Status(StatusCode StatusCode, string Detail)
{
    public static readonly Status Ok = new(StatusCode.OK, string.Empty);

    public override string ToString() => $"Status(StatusCode=\"{StatusCode}\", Detail=\"{Detail}\")";
}
