namespace Inference.Onnx.TestData;

/// <summary>TensorProto.DataType numbers and element sizes (0 for strings and types without a fixed size here).</summary>
public static class TensorProtoDataType
{
    public const int Float = 1;
    public const int UInt8 = 2;
    public const int Int8 = 3;
    public const int UInt16 = 4;
    public const int Int16 = 5;
    public const int Int32 = 6;
    public const int Int64 = 7;
    public const int String = 8;
    public const int Bool = 9;
    public const int Float16 = 10;
    public const int Double = 11;
    public const int UInt32 = 12;
    public const int UInt64 = 13;
    public const int Complex64 = 14;
    public const int Complex128 = 15;
    public const int BFloat16 = 16;

    public static int SizeOf(int dataType) => dataType switch
    {
        Bool or UInt8 or Int8 => 1,
        UInt16 or Int16 or Float16 or BFloat16 => 2,
        Float or Int32 or UInt32 => 4,
        Double or Int64 or UInt64 or Complex64 => 8,
        Complex128 => 16,
        _ => 0,
    };

    public static string Name(int dataType) => dataType switch
    {
        Float => "FLOAT",
        UInt8 => "UINT8",
        Int8 => "INT8",
        UInt16 => "UINT16",
        Int16 => "INT16",
        Int32 => "INT32",
        Int64 => "INT64",
        String => "STRING",
        Bool => "BOOL",
        Float16 => "FLOAT16",
        Double => "DOUBLE",
        UInt32 => "UINT32",
        UInt64 => "UINT64",
        Complex64 => "COMPLEX64",
        Complex128 => "COMPLEX128",
        BFloat16 => "BFLOAT16",
        _ => $"TYPE{dataType}",
    };
}
