using Inference.Router.Configuration;

namespace Inference.Router.Routing;

/// <summary>
/// Everything the hot path needs to route one request, immutable once published: readers take
/// one reference and never lock; changes publish a new snapshot.
/// </summary>
internal sealed class RoutingSnapshot
{
    private readonly Dictionary<string, ModelRoute>.AlternateLookup<ReadOnlySpan<char>> _modelLookup;

    public RoutingSnapshot(long revision, RouterConfig config, Dictionary<string, ModelRoute> models)
    {
        Revision = revision;
        Config = config;
        Models = models;
        _modelLookup = models.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    /// <summary>Incremented by every published change, from the file or the admin API.</summary>
    public long Revision { get; }

    /// <summary>The configuration file this snapshot was built from.</summary>
    public RouterConfig Config { get; }

    public IReadOnlyDictionary<string, ModelRoute> Models { get; }

    public ModelRoute? FindModel(ReadOnlySpan<char> model) =>
        _modelLookup.TryGetValue(model, out var route) ? route : null;
}
