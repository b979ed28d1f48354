namespace Inference.EndToEnd.Tests.Infrastructure;

/// <summary>
/// A test that needs a peer. Skipped, naming what is missing, only when INFERENCE_REQUIRE_PEERS is
/// not "1"; with it set the test runs and fails on the missing peer (<see cref="Peers.Require"/>).
/// </summary>
public sealed class PeerFactAttribute : FactAttribute
{
    public PeerFactAttribute(string peer)
    {
        if (Peers.Missing(peer) is { } missing && !Peers.Required)
        {
            Skip = $"{missing} (set INFERENCE_REQUIRE_PEERS=1 to fail instead)";
        }
    }
}
