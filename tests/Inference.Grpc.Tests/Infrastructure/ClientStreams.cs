using Google.Protobuf;
using Inference.Grpc.Client;
using Inference.Grpc.Tests.Echo;

namespace Inference.Grpc.Tests;

internal static class ClientStreams
{
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
