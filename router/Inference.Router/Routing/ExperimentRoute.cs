using System.Text;
using Inference.Router.Configuration;
using Inference.Router.Guard;
using Inference.Router.Upstream;

namespace Inference.Router.Routing;

/// <summary>An experiment with its current weights, as one immutable part of a routing snapshot.</summary>
internal sealed class ExperimentRoute
{
    private readonly int[] _upperBounds;

    public ExperimentRoute(ExperimentConfig config, IReadOnlyDictionary<string, decimal> weights, IReadOnlyDictionary<string, VersionPool> pools, bool weightsFromAdmin, RollbackRecord? rollback = null)
    {
        Rollback = rollback;
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
        // Each snapshot judges afresh: a weight change or a reload starts a new window.
        Guard = config.Guard is { } guard ? new GuardWindow(guard, config.Groups.Select(g => g.Name).ToArray(), Array.IndexOf(groups, Control)) : null;
        Shadow = config.Shadow is { } shadow ? pools[shadow.Version] : null;
    }

    /// <summary>The last rollback (who, why, when) while its weights are in force; null otherwise.</summary>
    public RollbackRecord? Rollback { get; }

    /// <summary>The guard's window for this snapshot of the experiment; null without a guard.</summary>
    public GuardWindow? Guard { get; }

    /// <summary>The shadow version's endpoints; null without a shadow.</summary>
    public VersionPool? Shadow { get; }

    /// <summary>The index of the group named <paramref name="name"/>, or -1.</summary>
    public int IndexOf(string name)
    {
        for (var i = 0; i < Groups.Count; i++)
        {
            if (string.Equals(Groups[i].Name, name, StringComparison.Ordinal))
            {
                return i;
            }
        }

        return -1;
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
