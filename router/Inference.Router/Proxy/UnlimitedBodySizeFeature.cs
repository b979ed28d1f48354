using Microsoft.AspNetCore.Http.Features;

namespace Inference.Router.Proxy;

/// <summary>
/// Stands in for Kestrel's body size feature once the peek has started reading the body (which
/// makes Kestrel's read-only): the limit is already lifted server-wide, and the forwarder's attempt
/// to lift it again would otherwise log a warning on every request.
/// </summary>
internal sealed class UnlimitedBodySizeFeature : IHttpMaxRequestBodySizeFeature
{
    public static readonly UnlimitedBodySizeFeature Instance = new();

    public bool IsReadOnly => false;

    public long? MaxRequestBodySize
    {
        get => null;
        set
        {
        }
    }
}
