namespace Inference.Onnx.TestData;

/// <summary>
/// A decoded ONNX TensorProto. Whatever field the file used (raw_data or a typed repeated field), numeric
/// elements are in <see cref="RawData"/> as packed little-endian values of the element type (FP16/BF16 as
/// their 16-bit patterns, BOOL as one byte); STRING elements are in <see cref="Strings"/>.
/// </summary>
public sealed record TensorProtoData(
    string Name,
    int DataType,
    IReadOnlyList<long> Dims,
    byte[] RawData,
    IReadOnlyList<byte[]> Strings)
{
    /// <summary>Number of elements (product of <see cref="Dims"/>; 1 for a scalar).</summary>
    public long ElementCount => Dims.Aggregate(1L, (count, dim) => count * dim);
}
