namespace Inference.EndToEnd.Tests.Infrastructure;

/// <summary>Tests on the shared <see cref="IrisStack"/>; they run one after another (the machine is small).</summary>
[CollectionDefinition(Name)]
public sealed class StackCollection : ICollectionFixture<IrisStack>
{
    public const string Name = "iris stack";
}
