namespace Inference.Experiments.Tests.Infrastructure;

/// <summary>The tests that share one <see cref="RouterPair"/>; they run one after another.</summary>
[CollectionDefinition(Name)]
public sealed class RouterCollection : ICollectionFixture<RouterPair>
{
    public const string Name = "routers";
}
