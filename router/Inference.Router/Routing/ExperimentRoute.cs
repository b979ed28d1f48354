using System.Text;
using Inference.Router.Configuration;
using Inference.Router.Upstream;

namespace Inference.Router.Routing;

/// <summary>An experiment with its current weights, as one immutable part of a routing snapshot.</summary>
internal sealed class ExperimentRoute
{
    private readonly int[] _upperBounds;

    public ExperimentRoute(ExperimentConfig config, IReadOnlyDictionary<string, decimal> weights, IReadOnlyDictionary<string, VersionPool> pools, bool weightsFromAdmin)
    {
        Config = config;
        Name = config.Name;
        KeyPrefix = Encoding.UTF8.GetBytes(config.Name + ":");
        StickyHeader = config.StickyHeader;
        AllowOverride = config.AllowOverride;
        FallbackToControl = config.FallbackToControl;
        WeightsFromAdmin = weightsFromAdmin;
        var ordered = config.Groups.Select(g => weights[g.Name]).ToArray();
        _upperBounds = BucketAssigner.UpperBounds(ordered);
        var groups = new GroupRoute[config.Groups.Count];
        for (var i = 0; i < groups.Length; i++)
        {
            var group = config.Groups[i];
            groups[i] = new GroupRoute(group.Name, pools[group.Version], ordered[i], i == 0 ? 0 : _upperBounds[i - 1], _upperBounds[i]);
        }

        Groups = groups;
        Control = groups.Single(g => g.Name == config.Control);
    }

    /// <summary>The experiment section as configured (with the file's weights).</summary>
    public ExperimentConfig Config { get; }

    public string Name { get; }

    /// <summary>UTF-8 of "&lt;name&gt;:", the prefix of every hashed key.</summary>
    public byte[] KeyPrefix { get; }

    public string? StickyHeader { get; }

    public bool AllowOverride { get; }

    public bool WeightsFromAdmin { get; }

    /// <summary>Whether calls of a group without a healthy endpoint go to the control group's version.</summary>
    public bool FallbackToControl { get; }

    public IReadOnlyList<GroupRoute> Groups { get; }

    public GroupRoute Control { get; }

    public GroupRoute GroupOfBucket(int bucket) => Groups[BucketAssigner.GroupOf(_upperBounds, bucket)];

    public GroupRoute? FindGroup(ReadOnlySpan<char> name)
    {
        foreach (var group in Groups)
        {
            if (name.SequenceEqual(group.Name))
            {
                return group;
            }
        }

        return null;
    }

    public Dictionary<string, decimal> Weights() => Groups.ToDictionary(g => g.Name, g => g.Weight);
}
