using System.Net;
using Inference.Grpc.Tests.Echo;

namespace Inference.Grpc.Tests.Functional;

/// <summary>
/// A client that resets its stream or drops the connection has left: the call ends CANCELLED, never as a
/// handler failure, and the status is in place when the endpoint returns, for middleware that counts calls.
/// </summary>
public sealed class AbortTests(TestServerFixture fixture) : IClassFixture<TestServerFixture>
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);

    [Theory]
    [InlineData(EchoService.Unary)]
    [InlineData(EchoService.ClientStream)]
    public async Task ClientResetsDuringTheRequestBody_CallEndsCancelled(string method)
    {
        var id = Guid.NewGuid().ToString("N");
        using var client = RawGrpc.CreateClient(HttpVersion.Version20);
        var request = RawGrpc.Request(fixture.Server.H2cAddress, method, null);
        // Part of a message header: the server waits in its read of the request body.
        request.Content = new HeldOpenContent([0, 0, 0]);
        request.Headers.Add(CallObserver.CallIdHeader, id);
        using var cancel = new CancellationTokenSource();
        var send = client.SendAsync(request, cancel.Token);
        await fixture.Server.Observer.Started(id).WaitAsync(Wait);

        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => send);
        Assert.Equal("1", await fixture.Server.Observer.Ended(id).WaitAsync(Wait));
    }
}
