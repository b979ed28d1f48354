using Grpc.Core;

namespace Inference.EndToEnd.Tests.Infrastructure;

/// <summary>A fixed set of sticky users, and the check that a router answers each from the group some weights give it.</summary>
internal static class RoutedUsers
{
    public static readonly IReadOnlyList<string> Keys = Enumerable.Range(0, 60).Select(i => $"routed-user-{i}").ToArray();

    /// <summary>Whether the users tell <paramref name="a"/> from <paramref name="b"/>: some land in different groups.</summary>
    public static bool Distinguish(Weights a, Weights b) => Keys.Any(k => Assignment.Group(k, a) != Assignment.Group(k, b));

    /// <summary>Calls once per user; each answer must be tagged with, and come from, the group and version <paramref name="weights"/> give that user.</summary>
    public static async Task AssertRoutedByAsync(RouterProcess router, Weights weights)
    {
        var groups = new HashSet<string>(StringComparer.Ordinal);
        foreach (var key in Keys)
        {
            var response = await router.Client.ModelInferAsync(
                IrisCalls.Request(0, 1),
                OipTestClient.With(new Metadata { { RouterConfigFile.StickyHeader, key } }, TimeSpan.FromSeconds(30)));
            var group = Assignment.Group(key, weights);
            Assert.True(
                (group, Assignment.VersionOf(group)) == (response.Tags.ExperimentGroup, response.Tags.ModelVersion),
                $"{key}: expected {group}/v{Assignment.VersionOf(group)} under {weights}, got {response.Tags}");
            Assert.Equal(Assignment.VersionOf(group), IrisCalls.VersionOfOutputs(response.Message, 0));
            groups.Add(group);
        }

        // Every group with weight got users, so the check covered each.
        Assert.Equal(weights.Control > 0 && weights.Treatment > 0 ? 2 : 1, groups.Count);
    }
}
