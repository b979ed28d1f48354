namespace Inference.Images.Tests.Infrastructure;

/// <summary>A test that builds and runs images: skipped, naming what is missing, unless peers are required.</summary>
internal sealed class ImageFactAttribute : FactAttribute
{
    public ImageFactAttribute() => Skip = Peers.SkipReason(ImagePeers.All);
}
