using Inference.Router.Configuration;
using Inference.Router.Upstream;

using Inference.Router.Proxy;

namespace Inference.Router.Shadow;

/// <summary>One sampled call: what was captured of it, and where its copy goes.</summary>
internal sealed class ShadowCopy(string model, string primaryVersion, VersionPool shadow, ShadowConfig config, KeyValuePair<string, string>[] headers, Stream originalResponseBody) : IDisposable
{
    public string Model { get; } = model;

    /// <summary>The version that answered the caller.</summary>
    public string PrimaryVersion { get; } = primaryVersion;

    public VersionPool Shadow { get; } = shadow;

    public ShadowConfig Config { get; } = config;

    /// <summary>The caller's request metadata, sent with the copy.</summary>
    public KeyValuePair<string, string>[] Headers { get; } = headers;

    public Stream OriginalResponseBody { get; } = originalResponseBody;

    public CaptureBuffer Request { get; } = new(config.MaxMessageBytes);

    public CaptureBuffer Response { get; } = new(config.MaxMessageBytes);

    public void Dispose()
    {
        Request.Dispose();
        Response.Dispose();
    }
}
