using Google.Protobuf;
using Inference.Grpc.Client;
using Inference.Grpc.Tests.Echo;

namespace Inference.Grpc.Tests;

internal static class ClientStreams
{
    /// <summary>Reads a response stream that must end in an error: how many messages came first, and the error.</summary>
    public static async Task<(int Received, GrpcException Error)> ReadUntilFailureAsync<T>(IAsyncStreamReader<T> reader)
    {
        var received = 0;
        var error = await Assert.ThrowsAsync<GrpcException>(async () =>
        {
            while (await reader.MoveNextAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(60)))
            {
                received++;
            }
        });
        return (received, error);
    }

    /// <summary>
    /// Writes until a write fails (the client learnt that the server ended the call), bounded in count and time:
    /// a write still blocked at the bound is cancelled, and the call then reports CANCELLED.
    /// </summary>
    public static async Task<GrpcException> WriteUntilRefusedAsync(IClientStreamWriter<EchoRequest> writer)
    {
        var message = new EchoRequest { Message = "more", Payload = ByteString.CopyFrom(new byte[1000]) };
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        for (var i = 0; i < 100_000; i++)
        {
            try
            {
                await writer.WriteAsync(message, timeout.Token);
            }
            catch (GrpcException ex)
            {
                return ex;
            }
        }

        throw new Xunit.Sdk.XunitException("Every write succeeded although the server had ended the call.");
    }
}
