namespace Inference.ModelServer.Tests;

/// <summary>
/// A test that needs a peer (python3-grpcio, libonnx-testdata). It is skipped, naming what is missing, only when
/// INFERENCE_REQUIRE_PEERS is not "1"; with it set, the test runs and fails on the missing peer.
/// </summary>
public sealed class PeerFactAttribute : FactAttribute
{
    public PeerFactAttribute(string peer)
    {
        var missing = Peers.Missing(peer);
        if (missing is not null && !Peers.Required)
        {
            Skip = $"{missing} (set INFERENCE_REQUIRE_PEERS=1 to fail instead)";
        }
    }
}
