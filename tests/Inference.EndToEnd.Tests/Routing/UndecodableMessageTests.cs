using System.Buffers.Binary;
using System.Net;
using Inference.EndToEnd.Tests.Infrastructure;

namespace Inference.EndToEnd.Tests.Routing;

/// <summary>
/// A request message that does not decode gets the same status from the router's peek as from the model server
/// itself, so a caller sees no difference whether a router is in between.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class UndecodableMessageTests(IrisStack stack)
{
    private const string Infer = "/inference.GRPCInferenceService/ModelInfer";

    public static TheoryData<string, byte[]> Messages => new()
    {
        { "a field tag that never ends", [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF] },
        { "the name longer than the message", [0x0A, 0x40, (byte)'i', (byte)'r'] },
        { "wire type 7", [0x0F, 0x01] },
        { "field number 0", [0x02, 0x00] },
        { "a message cut inside the name's length", [0x0A] },
    };

    [Theory]
    [MemberData(nameof(Messages))]
    public async Task RouterAndModelServer_AnswerTheSameStatus(string what, byte[] message)
    {
        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(60) };
        var call = new MalformedTrafficTests.Call(Infer, [], Frame(message));

        var direct = await MalformedTrafficTests.SendAsync(http, call with { Path = stack.V1.Endpoint + Infer });
        var routed = await MalformedTrafficTests.SendAsync(http, call with { Path = stack.Router.GrpcAddress.ToString().TrimEnd('/') + Infer });

        Assert.Equal(HttpStatusCode.OK, direct.Http);
        Assert.Equal(13, direct.Status);
        Assert.True(direct.Status == routed.Status, $"{what}: the model server answers {direct.Status} '{direct.Message}', the router {routed.Status} '{routed.Message}'");
        Assert.StartsWith("Failed to deserialize the message.", routed.Message, StringComparison.Ordinal);
    }

    private static byte[] Frame(byte[] message)
    {
        var frame = new byte[5 + message.Length];
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(1), (uint)message.Length);
        message.CopyTo(frame, 5);
        return frame;
    }
}
