namespace Inference.Router.Configuration;

/// <summary>One experiment group: the version it sends to and its weight.</summary>
/// <param name="Name">Group name, reported in <c>x-experiment-group</c>.</param>
/// <param name="Version">The model version this group's requests go to.</param>
/// <param name="Weight">Non-negative share of traffic, relative to the sum of all weights.</param>
public sealed record ExperimentGroupConfig(string Name, string Version, decimal Weight);
