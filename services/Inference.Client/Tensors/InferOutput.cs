namespace Inference.Client;

/// <summary>An output tensor read back from a ModelInferResponse: its elements in row-major order and its shape.</summary>
public sealed record InferOutput<T>(string Name, string Datatype, long[] Shape, T[] Data);
