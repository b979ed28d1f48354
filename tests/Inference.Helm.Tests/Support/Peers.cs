namespace Inference.Helm.Tests.Support;

internal static class Peers
{
    /// <summary>CI sets INFERENCE_REQUIRE_PEERS=1: a missing peer is then a failure, not a skip.</summary>
    public static bool Required => Environment.GetEnvironmentVariable("INFERENCE_REQUIRE_PEERS") == "1";
}
