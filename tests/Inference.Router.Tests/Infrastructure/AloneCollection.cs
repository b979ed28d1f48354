namespace Inference.Router.Tests.Infrastructure;

/// <summary>
/// Tests that load the whole machine (gigabytes in flight): they run after the others, not beside
/// them, so neither side's health checks and timeouts are judged under the other's load.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class AloneCollection
{
    public const string Name = "alone";
}
