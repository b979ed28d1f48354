namespace Inference.Client;

/// <summary>How input tensor values travel in a ModelInferRequest.</summary>
public enum TensorEncoding
{
    /// <summary><c>raw_input_contents</c>: packed little-endian bytes (BYTES: 4-byte length + bytes per element). Every datatype.</summary>
    Raw,

    /// <summary>Typed <c>contents</c> (fp32_contents, int_contents…). Not for FP16 and BF16, which have no typed field.</summary>
    Typed,
}
