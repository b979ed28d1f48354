using System.Runtime.InteropServices;
using Google.Protobuf.Collections;
using Inference.Contracts.Oip;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace Inference.Engine.Tensors;

/// <summary>
/// Typed tensor contents (<see cref="InferTensorContents"/>): which field a datatype uses, checks, and
/// conversion to and from packed little-endian elements.
/// </summary>
internal static class TypedContents
{
    /// <summary>Number of values in the field that <paramref name="type"/> uses.</summary>
    public static int Count(TensorElementType type, InferTensorContents contents) => type switch
    {
        TensorElementType.Bool => contents.BoolContents.Count,
        TensorElementType.Int8 or TensorElementType.Int16 or TensorElementType.Int32 => contents.IntContents.Count,
        TensorElementType.Int64 => contents.Int64Contents.Count,
        TensorElementType.UInt8 or TensorElementType.UInt16 or TensorElementType.UInt32 => contents.UintContents.Count,
        TensorElementType.UInt64 => contents.Uint64Contents.Count,
        TensorElementType.Float => contents.Fp32Contents.Count,
        TensorElementType.Double => contents.Fp64Contents.Count,
        TensorElementType.String => contents.BytesContents.Count,
        _ => 0,
    };

    /// <summary>Total values across every field.</summary>
    public static long TotalCount(InferTensorContents contents) =>
        (long)contents.BoolContents.Count + contents.IntContents.Count + contents.Int64Contents.Count
        + contents.UintContents.Count + contents.Uint64Contents.Count + contents.Fp32Contents.Count
        + contents.Fp64Contents.Count + contents.BytesContents.Count;

    /// <summary>The first non-empty field other than <paramref name="expected"/>, or null.</summary>
    public static string? OtherFilledField(InferTensorContents contents, string? expected)
    {
        return Check("bool_contents", contents.BoolContents.Count)
            ?? Check("int_contents", contents.IntContents.Count)
            ?? Check("int64_contents", contents.Int64Contents.Count)
            ?? Check("uint_contents", contents.UintContents.Count)
            ?? Check("uint64_contents", contents.Uint64Contents.Count)
            ?? Check("fp32_contents", contents.Fp32Contents.Count)
            ?? Check("fp64_contents", contents.Fp64Contents.Count)
            ?? Check("bytes_contents", contents.BytesContents.Count);

        string? Check(string field, int count) => count > 0 && field != expected ? field : null;
    }

    /// <summary>A description of the first value that does not fit <paramref name="type"/>, or null.</summary>
    public static string? FindOutOfRange(TensorElementType type, InferTensorContents contents) => type switch
    {
        TensorElementType.Int8 => FindOutOfRange(contents.IntContents, sbyte.MinValue, sbyte.MaxValue),
        TensorElementType.Int16 => FindOutOfRange(contents.IntContents, short.MinValue, short.MaxValue),
        TensorElementType.UInt8 => FindOutOfRange(contents.UintContents, byte.MaxValue),
        TensorElementType.UInt16 => FindOutOfRange(contents.UintContents, ushort.MaxValue),
        _ => null,
    };

    /// <summary>Writes the values (already checked for count and range) as packed little-endian elements.</summary>
    public static void Fill(TensorElementType type, InferTensorContents? contents, Span<byte> destination)
    {
        if (contents is null)
        {
            return;
        }

        switch (type)
        {
            case TensorElementType.Bool:
                Copy(contents.BoolContents, destination, static b => b ? (byte)1 : (byte)0);
                break;
            case TensorElementType.Int8:
                Copy(contents.IntContents, MemoryMarshal.Cast<byte, sbyte>(destination), static v => (sbyte)v);
                break;
            case TensorElementType.Int16:
                Copy(contents.IntContents, MemoryMarshal.Cast<byte, short>(destination), static v => (short)v);
                break;
            case TensorElementType.Int32:
                Copy(contents.IntContents, MemoryMarshal.Cast<byte, int>(destination), static v => v);
                break;
            case TensorElementType.Int64:
                Copy(contents.Int64Contents, MemoryMarshal.Cast<byte, long>(destination), static v => v);
                break;
            case TensorElementType.UInt8:
                Copy(contents.UintContents, destination, static v => (byte)v);
                break;
            case TensorElementType.UInt16:
                Copy(contents.UintContents, MemoryMarshal.Cast<byte, ushort>(destination), static v => (ushort)v);
                break;
            case TensorElementType.UInt32:
                Copy(contents.UintContents, MemoryMarshal.Cast<byte, uint>(destination), static v => v);
                break;
            case TensorElementType.UInt64:
                Copy(contents.Uint64Contents, MemoryMarshal.Cast<byte, ulong>(destination), static v => v);
                break;
            case TensorElementType.Float:
                Copy(contents.Fp32Contents, MemoryMarshal.Cast<byte, float>(destination), static v => v);
                break;
            case TensorElementType.Double:
                Copy(contents.Fp64Contents, MemoryMarshal.Cast<byte, double>(destination), static v => v);
                break;
            default:
                throw new InvalidOperationException($"{type} has no typed contents.");
        }
    }

    /// <summary>Appends packed little-endian elements of <paramref name="type"/> to the field it uses.</summary>
    public static void Append(TensorElementType type, ReadOnlySpan<byte> source, InferTensorContents contents)
    {
        switch (type)
        {
            case TensorElementType.Bool:
                foreach (var b in source)
                {
                    contents.BoolContents.Add(b != 0);
                }

                break;
            case TensorElementType.Int8:
                foreach (var v in MemoryMarshal.Cast<byte, sbyte>(source))
                {
                    contents.IntContents.Add(v);
                }

                break;
            case TensorElementType.Int16:
                foreach (var v in MemoryMarshal.Cast<byte, short>(source))
                {
                    contents.IntContents.Add(v);
                }

                break;
            case TensorElementType.Int32:
                AddRange(contents.IntContents, MemoryMarshal.Cast<byte, int>(source));
                break;
            case TensorElementType.Int64:
                AddRange(contents.Int64Contents, MemoryMarshal.Cast<byte, long>(source));
                break;
            case TensorElementType.UInt8:
                foreach (var v in source)
                {
                    contents.UintContents.Add(v);
                }

                break;
            case TensorElementType.UInt16:
                foreach (var v in MemoryMarshal.Cast<byte, ushort>(source))
                {
                    contents.UintContents.Add(v);
                }

                break;
            case TensorElementType.UInt32:
                AddRange(contents.UintContents, MemoryMarshal.Cast<byte, uint>(source));
                break;
            case TensorElementType.UInt64:
                AddRange(contents.Uint64Contents, MemoryMarshal.Cast<byte, ulong>(source));
                break;
            case TensorElementType.Float:
                AddRange(contents.Fp32Contents, MemoryMarshal.Cast<byte, float>(source));
                break;
            case TensorElementType.Double:
                AddRange(contents.Fp64Contents, MemoryMarshal.Cast<byte, double>(source));
                break;
            default:
                throw new InvalidOperationException($"{type} has no typed contents.");
        }
    }

    private static void AddRange<T>(RepeatedField<T> field, ReadOnlySpan<T> values)
    {
        field.Capacity = field.Count + values.Length;
        foreach (var value in values)
        {
            field.Add(value);
        }
    }

    private static void Copy<TSource, TTarget>(RepeatedField<TSource> source, Span<TTarget> destination, Func<TSource, TTarget> convert)
    {
        for (var i = 0; i < source.Count; i++)
        {
            destination[i] = convert(source[i]);
        }
    }

    private static string? FindOutOfRange(RepeatedField<int> values, int min, int max)
    {
        for (var i = 0; i < values.Count; i++)
        {
            if (values[i] < min || values[i] > max)
            {
                return $"value {values[i]} at index {i} is outside [{min}, {max}]";
            }
        }

        return null;
    }

    private static string? FindOutOfRange(RepeatedField<uint> values, uint max)
    {
        for (var i = 0; i < values.Count; i++)
        {
            if (values[i] > max)
            {
                return $"value {values[i]} at index {i} is outside [0, {max}]";
            }
        }

        return null;
    }
}
