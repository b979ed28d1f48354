using Google.Protobuf;

namespace Inference.ModelServer.Tensors;

/// <summary>One output of an <see cref="InferResponse"/> with raw contents: its InferOutputTensor fields and its bytes.</summary>
internal readonly record struct RawOutput(string Name, string Datatype, long[] Shape, ByteString Contents);
