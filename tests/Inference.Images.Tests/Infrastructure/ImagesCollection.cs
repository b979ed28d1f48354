namespace Inference.Images.Tests.Infrastructure;

[CollectionDefinition(Name)]
public sealed class ImagesCollection : ICollectionFixture<BuiltImages>
{
    /// <summary>One collection: the images are built once and the tests take turns with the containers.</summary>
    public const string Name = "images";
}
