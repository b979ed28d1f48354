using System.Runtime.InteropServices;
using Inference.Client;
using Inference.Contracts.Oip;
using Inference.Engine.Tensors;
using Microsoft.ML.OnnxRuntime.Tensors;
using Inference.Onnx.TestData;

namespace Inference.ModelServer.Tests.Conformance;

/// <summary>
/// A sample of the ONNX backend node tests (Debian's libonnx-testdata) through ModelInfer: each case's model served,
/// its input_N.pb sent as raw and as typed contents, the answer compared with output_N.pb.
/// </summary>
public sealed class BackendNodeTests
{
    /// <summary>Covers every OIP datatype, multiple inputs and outputs, broadcasting and strings.</summary>
    public static readonly string[] Sample =
    [
        "test_abs", "test_add_bcast", "test_relu", "test_sigmoid", "test_matmul_2d", "test_gemm_default_single_elem_vector_bias",
        "test_softmax_axis_1_expanded", "test_transpose_default", "test_concat_2d_axis_0", "test_split_equal_parts_2d", "test_top_k",
        "test_gather_0", "test_argmax_keepdims_random", "test_cast_FLOAT_to_DOUBLE", "test_cast_DOUBLE_to_FLOAT",
        "test_cast_FLOAT_to_FLOAT16", "test_cast_FLOAT16_to_FLOAT", "test_cast_BFLOAT16_to_FLOAT", "test_max_int8", "test_add_uint8",
        "test_mod_mixed_sign_int16", "test_mod_mixed_sign_int32", "test_mod_uint16", "test_max_uint32", "test_min_uint64",
        "test_mod_mixed_sign_int64", "test_and2d", "test_not_2d", "test_equal", "test_where_example", "test_cast_STRING_to_FLOAT",
        "test_strnormalizer_nostopwords_nochangecase",
    ];

    [PeerFact(Peers.OnnxTestData)]
    public async Task NodeSample_RawAndTypedContents_MatchReferenceOutputs()
    {
        Peers.Require(Peers.OnnxTestData);
        var failures = new List<string>();
        var typedRuns = 0;
        foreach (var name in Sample)
        {
            var testCase = BackendTestData.LoadNodeCase(name);
            await using var server = await TestServer.StartAsync(testCase.ModelPath, "case");
            failures.AddRange(await RunAsync(server, testCase, TensorEncoding.Raw) ?? ["raw run skipped"]);
            if (await RunAsync(server, testCase, TensorEncoding.Typed) is { } typed)
            {
                typedRuns++;
                failures.AddRange(typed);
            }
        }

        Assert.True(failures.Count == 0, string.Join("\n", failures));
        Assert.True(typedRuns >= Sample.Length - 3, $"only {typedRuns} typed runs");
    }

    /// <summary>The failures of one run; null when the encoding cannot carry the inputs (FP16/BF16 have no typed field).</summary>
    private static async Task<List<string>?> RunAsync(TestServer server, BackendTestCase testCase, TensorEncoding encoding)
    {
        var metadata = (await server.Client.ModelMetadataAsync("case")).Message;
        if (encoding == TensorEncoding.Typed && metadata.Inputs.Any(i => i.Datatype is "FP16" or "BF16"))
        {
            return null;
        }

        var request = new ModelInferRequest { ModelName = "case" };
        foreach (var input in testCase.Inputs)
        {
            var declared = metadata.Inputs.First(i => i.Name == input.Name).Datatype;
            AddInput(request, AsDeclared(input, declared), encoding);
        }

        if (encoding == TensorEncoding.Typed)
        {
            request.RequestTypedOutputs();
        }

        var response = (await server.Client.ModelInferAsync(request)).Message;
        var failures = new List<string>();
        foreach (var expected in testCase.Outputs)
        {
            var where = $"{testCase.Name} ({encoding}) output '{expected.Name}'";
            var output = response.Outputs.FirstOrDefault(o => o.Name == expected.Name);
            if (output is null)
            {
                failures.Add($"{where}: missing");
                continue;
            }

            if (!output.Shape.SequenceEqual(expected.Dims))
            {
                failures.Add($"{where}: shape [{string.Join(",", output.Shape)}], expected [{string.Join(",", expected.Dims)}]");
                continue;
            }

            if (Compare(response, AsDeclared(expected, output.Datatype)) is { } problem)
            {
                failures.Add($"{where}: {problem}");
            }
        }

        return failures;
    }

    /// <summary>
    /// The suite's generator (onnx 1.13 and older) stored BFLOAT16 tensors as UINT16 with the same bit patterns;
    /// such a tensor is read as BFLOAT16 where the model declares BF16.
    /// </summary>
    private static TensorProtoData AsDeclared(TensorProtoData tensor, string declared) =>
        tensor.DataType == TensorProtoDataType.UInt16 && declared == "BF16" ? tensor with { DataType = TensorProtoDataType.BFloat16 } : tensor;

    private static void AddInput(ModelInferRequest request, TensorProtoData input, TensorEncoding encoding)
    {
        var shape = input.Dims.ToArray();
        var raw = input.RawData;
        switch (input.DataType)
        {
            case TensorProtoDataType.String: request.AddInput(input.Name, input.Strings, shape, encoding); break;
            case TensorProtoDataType.Float: request.AddInput(input.Name, Cast<float>(raw), shape, encoding); break;
            case TensorProtoDataType.Double: request.AddInput(input.Name, Cast<double>(raw), shape, encoding); break;
            case TensorProtoDataType.Int8: request.AddInput(input.Name, Cast<sbyte>(raw), shape, encoding); break;
            case TensorProtoDataType.Int16: request.AddInput(input.Name, Cast<short>(raw), shape, encoding); break;
            case TensorProtoDataType.Int32: request.AddInput(input.Name, Cast<int>(raw), shape, encoding); break;
            case TensorProtoDataType.Int64: request.AddInput(input.Name, Cast<long>(raw), shape, encoding); break;
            case TensorProtoDataType.UInt8: request.AddInput(input.Name, Cast<byte>(raw), shape, encoding); break;
            case TensorProtoDataType.UInt16: request.AddInput(input.Name, Cast<ushort>(raw), shape, encoding); break;
            case TensorProtoDataType.UInt32: request.AddInput(input.Name, Cast<uint>(raw), shape, encoding); break;
            case TensorProtoDataType.UInt64: request.AddInput(input.Name, Cast<ulong>(raw), shape, encoding); break;
            case TensorProtoDataType.Bool: request.AddInput(input.Name, Cast<bool>(raw), shape, encoding); break;
            case TensorProtoDataType.Float16: request.AddInput(input.Name, Cast<Half>(raw), shape, encoding); break;
            case TensorProtoDataType.BFloat16: request.AddInput(input.Name, Cast<BFloat16>(raw), shape, encoding); break;
            default: throw new NotSupportedException($"data type {input.DataType}");
        }
    }

    /// <summary>Null when equal: integers, booleans and strings exactly, floats within the suite's tolerance (rtol 1e-3, atol 1e-7).</summary>
    private static string? Compare(ModelInferResponse response, TensorProtoData expected)
    {
        var name = expected.Name;
        var datatype = OipDatatype.FromElementType((TensorElementType)expected.DataType);
        var actualDatatype = response.Outputs.First(o => o.Name == name).Datatype;
        if (actualDatatype != datatype)
        {
            return $"datatype {actualDatatype}, expected {datatype}";
        }

        switch (expected.DataType)
        {
            case TensorProtoDataType.String:
                return response.GetBytesOutput(name).Data.Zip(expected.Strings).All(p => p.First.AsSpan().SequenceEqual(p.Second)) ? null : "strings differ";
            case TensorProtoDataType.Float:
                return Close(response.GetOutput<float>(name).Data.Select(v => (double)v), Cast<float>(expected.RawData).ToArray().Select(v => (double)v));
            case TensorProtoDataType.Double:
                return Close(response.GetOutput<double>(name).Data, Cast<double>(expected.RawData).ToArray());
            case TensorProtoDataType.Float16:
                return Close(response.GetOutput<Half>(name).Data.Select(v => (double)v), Cast<Half>(expected.RawData).ToArray().Select(v => (double)v));
            case TensorProtoDataType.BFloat16:
                return Close(response.GetOutput<BFloat16>(name).Data.Select(v => (double)(float)v), Cast<BFloat16>(expected.RawData).ToArray().Select(v => (double)(float)v));
            default:
                var actual = expected.DataType switch
                {
                    TensorProtoDataType.Int8 => Bytes(response.GetOutput<sbyte>(name).Data),
                    TensorProtoDataType.Int16 => Bytes(response.GetOutput<short>(name).Data),
                    TensorProtoDataType.Int32 => Bytes(response.GetOutput<int>(name).Data),
                    TensorProtoDataType.Int64 => Bytes(response.GetOutput<long>(name).Data),
                    TensorProtoDataType.UInt8 => Bytes(response.GetOutput<byte>(name).Data),
                    TensorProtoDataType.UInt16 => Bytes(response.GetOutput<ushort>(name).Data),
                    TensorProtoDataType.UInt32 => Bytes(response.GetOutput<uint>(name).Data),
                    TensorProtoDataType.UInt64 => Bytes(response.GetOutput<ulong>(name).Data),
                    TensorProtoDataType.Bool => Bytes(response.GetOutput<bool>(name).Data),
                    _ => throw new NotSupportedException($"data type {expected.DataType}"),
                };
                return actual.SequenceEqual(expected.RawData) ? null : "elements differ";
        }
    }

    private static string? Close(IEnumerable<double> actual, IEnumerable<double> expected)
    {
        var index = 0;
        foreach (var (a, e) in actual.Zip(expected))
        {
            var equal = (double.IsNaN(a) && double.IsNaN(e)) || a == e || Math.Abs(a - e) <= 1e-7 + (1e-3 * Math.Abs(e));
            if (!equal)
            {
                return $"element {index}: {a}, expected {e}";
            }

            index++;
        }

        return null;
    }

    private static ReadOnlySpan<T> Cast<T>(byte[] raw)
        where T : unmanaged => MemoryMarshal.Cast<byte, T>(raw);

    private static byte[] Bytes<T>(T[] values)
        where T : unmanaged => MemoryMarshal.AsBytes(values.AsSpan()).ToArray();
}
