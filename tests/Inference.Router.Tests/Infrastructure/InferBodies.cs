using Google.Protobuf;
using Inference.Contracts.Oip;

namespace Inference.Router.Tests.Infrastructure;

/// <summary>Request bodies for forwarding tests: one gRPC-framed ModelInferRequest for iris with a seeded random tensor.</summary>
internal static class InferBodies
{
    /// <param name="id">The request id: the fake backend records the body under it.</param>
    public static byte[] Random(string id, int payloadBytes)
    {
        var request = new ModelInferRequest { ModelName = "iris", Id = id };
        request.Inputs.Add(new ModelInferRequest.Types.InferInputTensor { Name = "input", Datatype = "UINT8", Shape = { payloadBytes } });
        var payload = new byte[payloadBytes];
        new System.Random(payloadBytes).NextBytes(payload);
        request.RawInputContents.Add(ByteString.CopyFrom(payload));
        return GrpcTestClient.Frame(request);
    }
}
