namespace Inference.Images.Tests.Infrastructure;

/// <summary>
/// What the image tests need on the machine: buildah (builds and runs the images), mmdebstrap (makes the
/// stand-in bases from the Debian archive), python3-grpcio (calls the images from outside) and the chart
/// renderer (the flags and files the chart gives each container).
/// </summary>
internal static class ImagePeers
{
    public const string Buildah = "buildah";
    public const string Mmdebstrap = "mmdebstrap";

    static ImagePeers()
    {
        // The images run with chroot isolation and their processes are read through /proc: that takes root.
        Peers.Register(Buildah, () => Peers.MissingExecutable("buildah", "buildah")
            ?? (Environment.IsPrivilegedProcess ? null : "the image tests run buildah as root (chroot isolation, /proc of the containers' processes)"));
        Peers.Register(Mmdebstrap, () => Peers.MissingExecutable("mmdebstrap", "mmdebstrap"));
        All = [Buildah, Mmdebstrap, Peers.PythonGrpc, Peers.GoRenderer];
    }

    public static string[] All { get; }

    /// <summary>Fails the running test when a peer is missing (reached only when peers are required).</summary>
    public static void Require() => Peers.Require(All);
}
