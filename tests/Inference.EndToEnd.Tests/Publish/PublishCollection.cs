namespace Inference.EndToEnd.Tests.Publish;

/// <summary>The publish tests share one publish of each executable (it takes about a minute).</summary>
[CollectionDefinition(Name)]
public sealed class PublishCollection : ICollectionFixture<PublishedApps>
{
    public const string Name = "published apps";
}
