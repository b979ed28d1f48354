namespace Inference.Contracts.Oip;

/// <summary>
/// The tensor datatype names of the Open Inference Protocol v2, as they travel in the <c>datatype</c>
/// fields. Shared by the model server, which checks them, and the client, which writes them.
/// </summary>
public static class Datatypes
{
    public const string Bool = "BOOL";
    public const string UInt8 = "UINT8";
    public const string UInt16 = "UINT16";
    public const string UInt32 = "UINT32";
    public const string UInt64 = "UINT64";
    public const string Int8 = "INT8";
    public const string Int16 = "INT16";
    public const string Int32 = "INT32";
    public const string Int64 = "INT64";
    public const string Fp16 = "FP16";
    public const string Bf16 = "BF16";
    public const string Fp32 = "FP32";
    public const string Fp64 = "FP64";
    public const string Bytes = "BYTES";

    /// <summary>Whether <paramref name="name"/> is one of the names above (case-sensitive, as on the wire).</summary>
    public static bool IsKnown(string name) => name is Bool or UInt8 or UInt16 or UInt32 or UInt64 or Int8 or Int16
        or Int32 or Int64 or Fp16 or Bf16 or Fp32 or Fp64 or Bytes;
}
