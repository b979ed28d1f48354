using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using Inference.Onnx.Interop;
using Inference.Onnx.Interop.Handles;

namespace Inference.Onnx;

/// <summary>
/// An ONNX Runtime value: an input created by the caller or an output of <see cref="OnnxSession.Run(ReadOnlySpan{int}, ReadOnlySpan{OnnxValue}, ReadOnlySpan{int}, Span{OnnxValue?}, OnnxRunOptions?, CancellationToken)"/>.
/// Spans returned by its accessors point into native memory and are valid only until the value is disposed.
/// </summary>
public sealed unsafe class OnnxValue : IDisposable
{
    private readonly ValueHandle _handle;
    private readonly long[] _shape;
    private readonly byte* _data;
    private readonly int _byteLength;

    private OnnxValue(ValueHandle handle)
    {
        _handle = handle;
        var value = handle.Pointer;

        int kind;
        OrtApi.Check(OrtApi.GetValueType(value, &kind));
        Kind = (OnnxValueKind)kind;
        _shape = [];
        if (Kind != OnnxValueKind.Tensor)
        {
            return;
        }

        IntPtr info;
        OrtApi.Check(OrtApi.GetTensorTypeAndShape(value, &info));
        using (var infoHandle = new TensorTypeAndShapeInfoHandle(info))
        {
            int elementType;
            OrtApi.Check(OrtApi.GetTensorElementType(info, &elementType));
            ElementType = (TensorElementType)elementType;

            nuint rank;
            OrtApi.Check(OrtApi.GetDimensionsCount(info, &rank));
            _shape = new long[(int)rank];
            fixed (long* dims = _shape)
            {
                OrtApi.Check(OrtApi.GetDimensions(info, dims, rank));
            }
        }

        ElementCount = TensorElementTypes.ElementCount(_shape);
        var elementSize = TensorElementTypes.SizeOf(ElementType);
        if (elementSize != 0 && ElementCount != 0)
        {
            void* data;
            OrtApi.Check(OrtApi.GetTensorMutableData(value, &data));
            _data = (byte*)data;
            _byteLength = checked((int)(ElementCount * elementSize));
        }
    }

    /// <summary>
    /// A tensor this binding just created: its type and shape are what it was created with, so nothing needs to be
    /// asked of ONNX Runtime but (for a buffer ONNX Runtime allocated) where the data is.
    /// </summary>
    private OnnxValue(ValueHandle handle, TensorElementType elementType, ReadOnlySpan<long> shape, byte* data)
    {
        _handle = handle;
        Kind = OnnxValueKind.Tensor;
        ElementType = elementType;
        _shape = shape.ToArray();
        ElementCount = TensorElementTypes.ElementCount(_shape);
        var elementSize = TensorElementTypes.SizeOf(elementType);
        if (elementSize != 0 && ElementCount != 0)
        {
            if (data == null)
            {
                void* allocated;
                OrtApi.Check(OrtApi.GetTensorMutableData(handle.Pointer, &allocated));
                data = (byte*)allocated;
            }

            _data = data;
            _byteLength = checked((int)(ElementCount * elementSize));
        }
    }

    /// <summary>Tensor, sequence, map…; only tensors have element data here.</summary>
    public OnnxValueKind Kind { get; }

    /// <summary>Element type of a tensor (<see cref="TensorElementType.Undefined"/> for other kinds).</summary>
    public TensorElementType ElementType { get; }

    /// <summary>Dimensions of a tensor.</summary>
    public ReadOnlySpan<long> Shape => _shape;

    /// <summary>Number of elements of a tensor (1 for a scalar, 0 when a dimension is 0).</summary>
    public long ElementCount { get; }

    internal ValueHandle Handle => _handle;

    /// <summary>
    /// A tensor over caller memory, without copying. The memory is pinned until the value is disposed; the
    /// caller must not change it while a Run uses the value. The element type follows <typeparamref name="T"/>.
    /// </summary>
    public static OnnxValue CreateTensor<T>(Memory<T> data, ReadOnlySpan<long> shape)
        where T : unmanaged =>
        CreateTensor(TensorElementTypes.FromManaged<T>(), data, shape);

    /// <summary>
    /// A tensor of <paramref name="elementType"/> over caller memory of any unmanaged type (bytes for raw
    /// little-endian data, <see cref="ushort"/> bits for FP16/BF16), without copying; see
    /// <see cref="CreateTensor{T}(Memory{T}, ReadOnlySpan{long})"/>.
    /// </summary>
    public static OnnxValue CreateTensor<T>(TensorElementType elementType, Memory<T> data, ReadOnlySpan<long> shape)
        where T : unmanaged
    {
        var byteLength = CheckedByteLength(elementType, shape);
        var actual = (long)data.Length * sizeof(T);
        if (actual != byteLength)
        {
            throw new ArgumentException(
                $"A {elementType} tensor of shape {FormatShape(shape)} needs {byteLength} bytes, but {actual} were given.",
                nameof(data));
        }

        if (byteLength == 0)
        {
            // No memory to share; let ONNX Runtime own the (empty) buffer.
            return CreateTensor(elementType, shape);
        }

        var pin = data.Pin();
        IntPtr value;
        try
        {
            fixed (long* dims = shape)
            {
                OrtApi.Check(OrtApi.CreateTensorWithDataAsOrtValue(
                    OrtEnvironment.CpuMemoryInfo.Pointer,
                    pin.Pointer,
                    (nuint)byteLength,
                    dims,
                    (nuint)shape.Length,
                    (int)elementType,
                    &value));
            }
        }
        catch
        {
            pin.Dispose();
            throw;
        }

        // ONNX Runtime reads and writes the caller's memory itself: the data pointer is the pinned one.
        return new OnnxValue(new ValueHandle(value, pin), elementType, shape, (byte*)pin.Pointer);
    }

    /// <summary>
    /// A tensor whose buffer ONNX Runtime owns, zero-filled; write it through
    /// <see cref="GetMutableTensorData{T}"/> or <see cref="GetMutableTensorBytes"/>. Strings start empty.
    /// </summary>
    public static OnnxValue CreateTensor(TensorElementType elementType, ReadOnlySpan<long> shape)
    {
        if (!TensorElementTypes.IsSupported(elementType))
        {
            throw new NotSupportedException($"Tensors of element type {elementType} are not supported.");
        }

        TensorElementTypes.ElementCount(shape);
        IntPtr value;
        fixed (long* dims = shape)
        {
            OrtApi.Check(OrtApi.CreateTensorAsOrtValue(
                OrtEnvironment.DefaultAllocator, dims, (nuint)shape.Length, (int)elementType, &value));
        }

        var handle = new ValueHandle(value);
        OnnxValue result;
        try
        {
            result = new OnnxValue(handle, elementType, shape, data: null);
        }
        catch
        {
            handle.Dispose();
            throw;
        }

        if (result._byteLength != 0)
        {
            new Span<byte>(result._data, result._byteLength).Clear();
        }

        return result;
    }

    /// <summary>A tensor holding a copy of <paramref name="data"/> (raw little-endian elements).</summary>
    public static OnnxValue CreateTensorCopy(TensorElementType elementType, ReadOnlySpan<byte> data, ReadOnlySpan<long> shape)
    {
        var byteLength = CheckedByteLength(elementType, shape);
        if (data.Length != byteLength)
        {
            throw new ArgumentException(
                $"A {elementType} tensor of shape {FormatShape(shape)} needs {byteLength} bytes, but {data.Length} were given.",
                nameof(data));
        }

        var value = CreateTensor(elementType, shape);
        data.CopyTo(value.GetMutableTensorBytes());
        return value;
    }

    /// <summary>A string tensor holding <paramref name="values"/> (encoded as UTF-8) in row-major order.</summary>
    public static OnnxValue CreateStringTensor(IReadOnlyList<string> values, ReadOnlySpan<long> shape)
    {
        ArgumentNullException.ThrowIfNull(values);
        var count = TensorElementTypes.ElementCount(shape);
        if (values.Count != count)
        {
            throw new ArgumentException(
                $"A string tensor of shape {FormatShape(shape)} needs {count} values, but {values.Count} were given.",
                nameof(values));
        }

        var value = CreateTensor(TensorElementType.String, shape);
        try
        {
            for (var i = 0; i < values.Count; i++)
            {
                value.SetString(i, values[i]);
            }

            return value;
        }
        catch
        {
            value.Dispose();
            throw;
        }
    }

    /// <summary>Sets element <paramref name="index"/> of a string tensor to these bytes (any bytes, NUL included).</summary>
    public void SetString(long index, ReadOnlySpan<byte> utf8)
    {
        CheckStringIndex(index);
        byte* buffer;
        OrtApi.Check(OrtApi.GetResizedStringTensorElementBuffer(_handle.Pointer, (nuint)index, (nuint)utf8.Length, &buffer));
        if (!utf8.IsEmpty)
        {
            utf8.CopyTo(new Span<byte>(buffer, utf8.Length));
        }
    }

    /// <summary>Sets element <paramref name="index"/> of a string tensor to the UTF-8 encoding of <paramref name="value"/>.</summary>
    public void SetString(long index, string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        CheckStringIndex(index);
        var length = Encoding.UTF8.GetByteCount(value);
        byte* buffer;
        OrtApi.Check(OrtApi.GetResizedStringTensorElementBuffer(_handle.Pointer, (nuint)index, (nuint)length, &buffer));
        if (length != 0)
        {
            Encoding.UTF8.GetBytes(value, new Span<byte>(buffer, length));
        }
    }

    /// <summary>The raw little-endian elements of a numeric tensor.</summary>
    public ReadOnlySpan<byte> GetTensorBytes() => GetMutableTensorBytes();

    /// <summary>The raw elements of a numeric tensor, writable (for inputs being filled).</summary>
    public Span<byte> GetMutableTensorBytes()
    {
        CheckNumericTensor();
        return new Span<byte>(_data, _byteLength);
    }

    /// <summary>The elements of a numeric tensor as <typeparamref name="T"/> (same size as the element type).</summary>
    public ReadOnlySpan<T> GetTensorData<T>()
        where T : unmanaged => GetMutableTensorData<T>();

    /// <summary>The elements of a numeric tensor as writable <typeparamref name="T"/>.</summary>
    public Span<T> GetMutableTensorData<T>()
        where T : unmanaged
    {
        CheckNumericTensor();
        if (sizeof(T) != TensorElementTypes.SizeOf(ElementType))
        {
            throw new InvalidOperationException($"{typeof(T).Name} does not match the tensor's element type {ElementType}.");
        }

        return new Span<T>(_data, _byteLength / sizeof(T));
    }

    /// <summary>Byte length of string element <paramref name="index"/>.</summary>
    public int GetStringLength(long index)
    {
        CheckStringIndex(index);
        nuint length;
        OrtApi.Check(OrtApi.GetStringTensorElementLength(_handle.Pointer, (nuint)index, &length));
        return checked((int)length);
    }

    /// <summary>Copies string element <paramref name="index"/> into <paramref name="destination"/>; returns its length.</summary>
    public int CopyString(long index, Span<byte> destination)
    {
        var length = GetStringLength(index);
        if (destination.Length < length)
        {
            throw new ArgumentException($"Element {index} has {length} bytes; the destination holds {destination.Length}.", nameof(destination));
        }

        if (length != 0)
        {
            fixed (byte* target = destination)
            {
                OrtApi.Check(OrtApi.GetStringTensorElement(_handle.Pointer, (nuint)length, (nuint)index, target));
            }
        }

        return length;
    }

    /// <summary>String element <paramref name="index"/>, decoded from UTF-8.</summary>
    public string GetString(long index)
    {
        var length = GetStringLength(index);
        if (length == 0)
        {
            return string.Empty;
        }

        var rented = length <= 512 ? null : ArrayPool<byte>.Shared.Rent(length);
        try
        {
            var buffer = rented is null ? stackalloc byte[length] : rented.AsSpan(0, length);
            CopyString(index, buffer);
            return Encoding.UTF8.GetString(buffer);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    /// <summary>All elements of a string tensor, decoded from UTF-8.</summary>
    public string[] GetStrings()
    {
        CheckStringTensor();
        var result = new string[ElementCount];
        for (var i = 0; i < result.Length; i++)
        {
            result[i] = GetString(i);
        }

        return result;
    }

    /// <summary>Total bytes of all elements of a string tensor.</summary>
    public long GetStringDataLength()
    {
        CheckStringTensor();
        nuint length;
        OrtApi.Check(OrtApi.GetStringTensorDataLength(_handle.Pointer, &length));
        return (long)length;
    }

    /// <summary>
    /// Copies all elements of a string tensor, concatenated, into <paramref name="data"/> (exactly
    /// <see cref="GetStringDataLength"/> bytes) and the start of each into <paramref name="offsets"/>
    /// (<see cref="ElementCount"/> entries); element i ends where element i+1 starts.
    /// </summary>
    public void CopyStringData(Span<byte> data, Span<long> offsets)
    {
        CheckStringTensor();
        if (offsets.Length != ElementCount)
        {
            throw new ArgumentException($"Expected {ElementCount} offsets, got {offsets.Length}.", nameof(offsets));
        }

        if (ElementCount == 0)
        {
            return;
        }

        byte dummy = 0;
        fixed (byte* target = data)
        fixed (long* starts = offsets)
        {
            // size_t and long have the same width on the 64-bit platforms ONNX Runtime ships for.
            OrtApi.Check(OrtApi.GetStringTensorContent(
                _handle.Pointer,
                target == null ? &dummy : target,
                (nuint)data.Length,
                (nuint*)starts,
                (nuint)offsets.Length));
        }
    }

    public void Dispose() => _handle.Dispose();

    /// <summary>Wraps a value that ONNX Runtime returned; takes ownership.</summary>
    internal static OnnxValue FromOwned(IntPtr value)
    {
        var handle = new ValueHandle(value);
        try
        {
            return new OnnxValue(handle);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    private static long CheckedByteLength(TensorElementType elementType, ReadOnlySpan<long> shape)
    {
        var size = TensorElementTypes.SizeOf(elementType);
        if (size == 0)
        {
            throw new NotSupportedException(
                elementType == TensorElementType.String
                    ? "String tensors hold no raw buffer; use CreateStringTensor."
                    : $"Tensors of element type {elementType} are not supported.");
        }

        return checked(TensorElementTypes.ElementCount(shape) * size);
    }

    internal static string FormatShape(ReadOnlySpan<long> shape)
    {
        var builder = new StringBuilder("[");
        for (var i = 0; i < shape.Length; i++)
        {
            builder.Append(i == 0 ? string.Empty : ",").Append(shape[i]);
        }

        return builder.Append(']').ToString();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void CheckNumericTensor()
    {
        ObjectDisposedException.ThrowIf(_handle.IsClosed, this);
        if (Kind != OnnxValueKind.Tensor || TensorElementTypes.SizeOf(ElementType) == 0)
        {
            throw new InvalidOperationException($"The value is a {Kind} of {ElementType}, not a numeric tensor.");
        }
    }

    private void CheckStringTensor()
    {
        ObjectDisposedException.ThrowIf(_handle.IsClosed, this);
        if (Kind != OnnxValueKind.Tensor || ElementType != TensorElementType.String)
        {
            throw new InvalidOperationException($"The value is a {Kind} of {ElementType}, not a string tensor.");
        }
    }

    private void CheckStringIndex(long index)
    {
        CheckStringTensor();
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, ElementCount);
    }
}
