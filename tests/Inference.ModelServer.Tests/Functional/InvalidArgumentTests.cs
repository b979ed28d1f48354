using System.Buffers.Binary;
using Google.Protobuf;
using Inference.Contracts.Oip;
using Grpc.Core;
using InputTensor = Inference.Contracts.Oip.ModelInferRequest.Types.InferInputTensor;

namespace Inference.ModelServer.Tests.Functional;

/// <summary>Every malformed request gets INVALID_ARGUMENT naming the tensor and what was expected; the server stays healthy.</summary>
public sealed class InvalidArgumentTests(IrisServerFixture iris, FixtureServers fixtures) : IClassFixture<IrisServerFixture>, IClassFixture<FixtureServers>
{
    public static TheoryData<string, string[]> IrisCases => new()
    {
        { "unknown-input", ["unknown input 'features'", "input (FP32 [-1,4])"] },
        { "missing-input", ["missing input 'input'", "FP32 [-1,4]"] },
        { "wrong-datatype", ["input 'input' has datatype FP64", "expects FP32"] },
        { "unknown-datatype", ["input 'input' has unknown datatype 'FLOAT'", "expects FP32"] },
        { "wrong-rank", ["input 'input' has shape [4] (rank 1)", "rank 2, shape [-1,4]"] },
        { "wrong-fixed-dim", ["input 'input' has shape [1,5]", "dimension 1 must be 4"] },
        { "negative-dim", ["input 'input' has a negative dimension", "[-1,4]"] },
        { "typed-count", ["input 'input' has 4 values in fp32_contents", "shape [2,4] needs 8"] },
        { "raw-length", ["input 'input' has 12 bytes of raw contents", "needs 16"] },
        { "typed-and-raw", ["input 'input' has both typed contents and raw_input_contents"] },
        { "raw-count", ["raw_input_contents has 2 entries", "1 inputs"] },
        { "wrong-typed-field", ["input 'input' (FP32) carries int_contents", "FP32 values go in fp32_contents"] },
        { "no-contents", ["input 'input' has no contents", "4 FP32 values in fp32_contents"] },
        { "duplicate-input", ["input 'input' appears more than once"] },
        { "unknown-output", ["unknown requested output 'scores'", "probabilities, label"] },
        { "bad-parameter", ["parameter 'binary_data_output'", "bool_param"] },
    };

    public static TheoryData<string, string, string[]> FixtureCases => new()
    {
        { "identity_string.onnx", "bytes-malformed", ["input 'x' (BYTES) raw contents are malformed", "declares 10 bytes", "4-byte little-endian length"] },
        { "identity_string.onnx", "bytes-truncated-prefix", ["input 'x' (BYTES) raw contents are malformed", "4-byte length prefix"] },
        { "identity_string.onnx", "bytes-count", ["input 'x' (BYTES) raw contents hold 2 elements", "shape [1,3] needs 3"] },
        { "identity_float16.onnx", "fp16-typed", ["input 'x' is FP16", "raw_input_contents"] },
        { "identity_int8.onnx", "int8-range", ["input 'x' (INT8)", "value 300 at index 1", "[-128, 127]"] },
        { "identity_uint16.onnx", "uint16-range", ["input 'x' (UINT16)", "value 70000", "[0, 65535]"] },
        { "identity_bool.onnx", "bool-raw-byte", ["input 'x' (BOOL) byte 2 is 7", "0 or 1"] },
        { "gather_input.onnx", "index-out-of-range", ["model 'fixture' rejected the values of its inputs i (INT64 [-1])", "Gather", "idx=7"] },
    };

    [Theory]
    [MemberData(nameof(IrisCases))]
    public async Task IrisRequest_IsInvalidArgument_NamingInputAndExpectation(string scenario, string[] expected)
    {
        var error = await Assert.ThrowsAsync<CallFailedException>(() => iris.Server.Client.ModelInferAsync(IrisRequest(scenario)));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        foreach (var fragment in expected)
        {
            Assert.Contains(fragment, error.Status.Detail, StringComparison.Ordinal);
        }

        Assert.Equal("iris", error.Tags.ModelName);
        Assert.True((await iris.Server.Client.ServerReadyAsync()).Message.Ready);
    }

    [Theory]
    [MemberData(nameof(FixtureCases))]
    public async Task FixtureRequest_IsInvalidArgument_NamingInputAndExpectation(string model, string scenario, string[] expected)
    {
        var server = await fixtures.GetAsync(model);

        var error = await Assert.ThrowsAsync<CallFailedException>(() => server.Client.ModelInferAsync(FixtureRequest(scenario)));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        foreach (var fragment in expected)
        {
            Assert.Contains(fragment, error.Status.Detail, StringComparison.Ordinal);
        }

        Assert.True((await server.Client.ServerLiveAsync()).Message.Live);
    }

    private static ModelInferRequest IrisRequest(string scenario)
    {
        var request = new ModelInferRequest { ModelName = "iris" };
        var good = Tensor("input", "FP32", 1, 4);
        good.Contents = new InferTensorContents();
        good.Contents.Fp32Contents.Add([5.1f, 3.5f, 1.4f, 0.2f]);
        switch (scenario)
        {
            case "unknown-input":
                good.Name = "features";
                request.Inputs.Add(good);
                break;
            case "missing-input":
                break;
            case "wrong-datatype":
                good.Datatype = "FP64";
                request.Inputs.Add(good);
                break;
            case "unknown-datatype":
                good.Datatype = "FLOAT";
                request.Inputs.Add(good);
                break;
            case "wrong-rank":
                good.Shape.Clear();
                good.Shape.Add(4);
                request.Inputs.Add(good);
                break;
            case "wrong-fixed-dim":
                good.Shape[1] = 5;
                good.Contents.Fp32Contents.Add(0f);
                request.Inputs.Add(good);
                break;
            case "negative-dim":
                good.Shape[0] = -1;
                request.Inputs.Add(good);
                break;
            case "typed-count":
                good.Shape[0] = 2;
                request.Inputs.Add(good);
                break;
            case "raw-length":
                request.Inputs.Add(Tensor("input", "FP32", 1, 4));
                request.RawInputContents.Add(ByteString.CopyFrom(new byte[12]));
                break;
            case "typed-and-raw":
                request.Inputs.Add(good);
                request.RawInputContents.Add(ByteString.CopyFrom(new byte[16]));
                break;
            case "raw-count":
                request.Inputs.Add(Tensor("input", "FP32", 1, 4));
                request.RawInputContents.Add(ByteString.CopyFrom(new byte[16]));
                request.RawInputContents.Add(ByteString.CopyFrom(new byte[16]));
                break;
            case "wrong-typed-field":
                good.Contents = new InferTensorContents();
                good.Contents.IntContents.Add([1, 2, 3, 4]);
                request.Inputs.Add(good);
                break;
            case "no-contents":
                good.Contents = null;
                request.Inputs.Add(good);
                break;
            case "duplicate-input":
                request.Inputs.Add(good);
                request.Inputs.Add(good.Clone());
                break;
            case "unknown-output":
                request.Inputs.Add(good);
                request.Outputs.Add(new ModelInferRequest.Types.InferRequestedOutputTensor { Name = "scores" });
                break;
            case "bad-parameter":
                request.Inputs.Add(good);
                request.Parameters["binary_data_output"] = new InferParameter { StringParam = "false" };
                break;
            default:
                throw new ArgumentException(scenario);
        }

        return request;
    }

    private static ModelInferRequest FixtureRequest(string scenario)
    {
        var request = new ModelInferRequest { ModelName = "fixture" };
        switch (scenario)
        {
            case "bytes-malformed":
            {
                request.Inputs.Add(Tensor("x", "BYTES", 1, 3));
                var raw = new byte[4 + 1 + 4 + 3];
                BinaryPrimitives.WriteUInt32LittleEndian(raw, 1);
                raw[4] = (byte)'a';
                BinaryPrimitives.WriteUInt32LittleEndian(raw.AsSpan(5), 10);
                request.RawInputContents.Add(ByteString.CopyFrom(raw));
                break;
            }

            case "bytes-truncated-prefix":
                request.Inputs.Add(Tensor("x", "BYTES", 1, 3));
                request.RawInputContents.Add(ByteString.CopyFrom([0, 0, 0, 0, 1, 0]));
                break;
            case "bytes-count":
                request.Inputs.Add(Tensor("x", "BYTES", 1, 3));
                request.RawInputContents.Add(ByteString.CopyFrom([1, 0, 0, 0, (byte)'a', 0, 0, 0, 0]));
                break;
            case "fp16-typed":
            {
                var tensor = Tensor("x", "FP16", 1, 3);
                tensor.Contents = new InferTensorContents();
                tensor.Contents.Fp32Contents.Add([1f, 2f, 3f]);
                request.Inputs.Add(tensor);
                break;
            }

            case "int8-range":
            {
                var tensor = Tensor("x", "INT8", 1, 3);
                tensor.Contents = new InferTensorContents();
                tensor.Contents.IntContents.Add([1, 300, -5]);
                request.Inputs.Add(tensor);
                break;
            }

            case "uint16-range":
            {
                var tensor = Tensor("x", "UINT16", 1, 3);
                tensor.Contents = new InferTensorContents();
                tensor.Contents.UintContents.Add([70000, 1, 2]);
                request.Inputs.Add(tensor);
                break;
            }

            case "bool-raw-byte":
                request.Inputs.Add(Tensor("x", "BOOL", 1, 3));
                request.RawInputContents.Add(ByteString.CopyFrom([1, 0, 7]));
                break;
            case "index-out-of-range":
            {
                // Valid as a tensor; only ONNX Runtime, gathering from a table of 3, finds index 7 wrong.
                var tensor = Tensor("i", "INT64", 2);
                tensor.Contents = new InferTensorContents();
                tensor.Contents.Int64Contents.Add([1, 7]);
                request.Inputs.Add(tensor);
                break;
            }
            default:
                throw new ArgumentException(scenario);
        }

        return request;
    }

    private static InputTensor Tensor(string name, string datatype, params long[] shape)
    {
        var tensor = new InputTensor { Name = name, Datatype = datatype };
        tensor.Shape.Add(shape);
        return tensor;
    }
}
