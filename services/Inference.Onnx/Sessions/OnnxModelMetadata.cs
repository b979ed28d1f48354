namespace Inference.Onnx;

/// <summary>The model's own description (ModelProto fields and metadata_props).</summary>
public sealed record OnnxModelMetadata(
    string ProducerName,
    string GraphName,
    string Domain,
    string Description,
    long Version,
    IReadOnlyDictionary<string, string> CustomMetadata);
