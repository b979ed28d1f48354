namespace Inference.Router.Proxy;

/// <summary>What a peek found: lengths of fields 1 and 2 copied out (-1 when absent), or an error.</summary>
internal struct PeekedFields
{
    public int NameLength;
    public int VersionLength;
    public string? Error;

    public static PeekedFields None => new() { NameLength = -1, VersionLength = -1 };
}
