namespace Inference.Testing;

/// <summary>
/// A test that needs peers (<see cref="Peers"/>). Skipped, naming what is missing, only when
/// INFERENCE_REQUIRE_PEERS is not "1"; with it set the test runs, and should call <see cref="Peers.Require"/>.
/// </summary>
public sealed class PeerFactAttribute : FactAttribute
{
    public PeerFactAttribute(params string[] peers)
    {
        if (Peers.SkipReason(peers) is { } reason)
        {
            Skip = reason;
        }
    }
}

/// <summary>The theory form of <see cref="PeerFactAttribute"/>.</summary>
public sealed class PeerTheoryAttribute : TheoryAttribute
{
    public PeerTheoryAttribute(params string[] peers)
    {
        if (Peers.SkipReason(peers) is { } reason)
        {
            Skip = reason;
        }
    }
}
