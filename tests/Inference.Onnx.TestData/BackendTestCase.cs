namespace Inference.Onnx.TestData;

/// <summary>One case of the ONNX backend test suite: a model and its first data set.</summary>
public sealed record BackendTestCase(
    string Name,
    string ModelPath,
    IReadOnlyList<TensorProtoData> Inputs,
    IReadOnlyList<TensorProtoData> Outputs);
