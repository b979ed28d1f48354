using Inference.Router.Configuration;
using Inference.Router.Upstream;

namespace Inference.Router.Routing;

/// <summary>A model in a routing snapshot: its version pools and its experiment.</summary>
internal sealed class ModelRoute
{
    private readonly Dictionary<string, VersionPool>.AlternateLookup<ReadOnlySpan<char>> _versionLookup;

    public ModelRoute(ModelConfig config, Dictionary<string, VersionPool> versions, ExperimentRoute experiment)
    {
        Config = config;
        Name = config.Name;
        Versions = versions;
        _versionLookup = versions.GetAlternateLookup<ReadOnlySpan<char>>();
        Experiment = experiment;
    }

    public ModelConfig Config { get; }

    public string Name { get; }

    public IReadOnlyDictionary<string, VersionPool> Versions { get; }

    public ExperimentRoute Experiment { get; }

    public VersionPool? FindVersion(ReadOnlySpan<char> version) =>
        _versionLookup.TryGetValue(version, out var pool) ? pool : null;
}
