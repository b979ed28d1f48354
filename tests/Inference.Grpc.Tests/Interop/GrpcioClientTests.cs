namespace Inference.Grpc.Tests.Interop;

/// <summary>python3-grpcio as the client of our server (see tests/interop/grpc/client_cases.py).</summary>
public sealed class GrpcioClientTests(GrpcioClientFixture fixture) : IClassFixture<GrpcioClientFixture>
{
    [PeerFact] public void Unary() => fixture.AssertCase("unary");

    [PeerFact] public void ServerStreaming() => fixture.AssertCase("server_streaming");

    [PeerFact] public void ClientStreaming() => fixture.AssertCase("client_streaming");

    [PeerFact] public void Duplex() => fixture.AssertCase("duplex");

    [PeerFact] public void MetadataBothWaysIncludingBinary() => fixture.AssertCase("metadata");

    [PeerFact] public void DeadlineExceeded() => fixture.AssertCase("deadline_exceeded");

    [PeerFact] public void MessageJustUnderFourMiB() => fixture.AssertCase("size_just_under_limit");

    [PeerFact] public void MessageOverFourMiB_ResourceExhausted() => fixture.AssertCase("size_over_limit");

    [PeerFact] public void GzipCompression() => fixture.AssertCase("gzip");

    [PeerFact] public void NonAsciiStatusMessage() => fixture.AssertCase("non_ascii_status");

    [PeerFact] public void UnexpectedException_Unknown() => fixture.AssertCase("unexpected_exception");

    [PeerFact] public void UnknownMethod_Unimplemented() => fixture.AssertCase("unknown_method");

    [PeerFact] public void HealthCheck() => fixture.AssertCase("health_check");

    [PeerFact] public void HealthWatch_SeesEachChange() => fixture.AssertCase("health_watch");

    [PeerFact]
    public async Task DeadlineExceeded_HandlerIgnoringItsToken_CallEndsAndLaterWritesFail()
    {
        // grpcio saw DEADLINE_EXCEEDED after the first message, then used the same connection again. Its own
        // timer runs alongside the server's and may fire first (its RST_STREAM then ends the call), so which
        // side ended it is not told apart here: DeadlineTests prove the server's side with a client that never
        // enforces deadlines itself.
        fixture.AssertCase("deadline_stubborn");

        // The handler, released now, finds the call over either way: its write fails.
        fixture.Server.Probe.ReleaseStubborn();
        Assert.IsAssignableFrom<OperationCanceledException>(await fixture.Server.Probe.LateWrite.WaitAsync(TimeSpan.FromSeconds(60)));
    }

    [PeerFact]
    public async Task ClientCancellation_ReachesTheHandler()
    {
        fixture.AssertCase("cancellation");
        // The handler saw its token cancelled by the client's RST_STREAM (no deadline was set).
        Assert.Equal(EchoProbe.CancelledBy.Client, await fixture.Server.Probe.HandlerCancelledByClient.WaitAsync(TimeSpan.FromSeconds(30)));
    }
}
