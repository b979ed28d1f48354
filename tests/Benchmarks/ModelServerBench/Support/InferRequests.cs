using System.Buffers.Binary;
using Google.Protobuf;
using Inference.Contracts.Oip;

namespace Inference.Benchmarks.ModelServer.Support;

/// <summary>ModelInfer request messages and their gRPC framing.</summary>
internal static class InferRequests
{
    public const string Path = "/inference.GRPCInferenceService/ModelInfer";

    public static ModelInferRequest Create(string modelName, string modelVersion, ModelInput input)
    {
        var tensor = new ModelInferRequest.Types.InferInputTensor
        {
            Name = input.Name,
            Datatype = input.Datatype,
        };
        tensor.Shape.AddRange(input.Shape);

        var request = new ModelInferRequest { ModelName = modelName, ModelVersion = modelVersion };
        request.Inputs.Add(tensor);
        request.RawInputContents.Add(ByteString.CopyFrom(input.Bytes));
        return request;
    }

    /// <summary>The length-prefixed message: compressed flag 0, 4-byte big-endian length, the message.</summary>
    public static byte[] Frame(IMessage message)
    {
        var size = message.CalculateSize();
        var frame = new byte[5 + size];
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(1, 4), (uint)size);
        message.WriteTo(frame.AsSpan(5));
        return frame;
    }
}
