namespace Inference.Onnx;

/// <summary>
/// Tensor element types, numbered as ONNX's <c>TensorProto.DataType</c> and ONNX Runtime's
/// <c>ONNXTensorElementDataType</c>. Those without a name here (complex, float8, 4-bit) are reported as
/// their number and cannot be created through this binding.
/// </summary>
public enum TensorElementType
{
    Undefined = 0,
    Float = 1,
    UInt8 = 2,
    Int8 = 3,
    UInt16 = 4,
    Int16 = 5,
    Int32 = 6,
    Int64 = 7,
    String = 8,
    Bool = 9,
    Float16 = 10,
    Double = 11,
    UInt32 = 12,
    UInt64 = 13,
    BFloat16 = 16,
}
