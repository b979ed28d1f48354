using Inference.Contracts.Oip;

using Inference.Engine.Model;
using Inference.Engine.Tensors;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace Inference.Engine.Requests;

/// <summary>
/// Checks a ModelInferRequest against the model and turns it into a <see cref="DecodedRequest"/>. Every
/// client mistake becomes INVALID_ARGUMENT with a message naming the tensor and what was expected.
/// </summary>
internal static class RequestDecoder
{
    /// <summary>
    /// Request parameter choosing the output encoding: absent or true = raw_output_contents (the default),
    /// false = typed contents (FP16/BF16 outputs have no typed field: such a response stays raw).
    /// </summary>
    public const string BinaryDataOutputParameter = "binary_data_output";

    public static DecodedRequest Decode(InferenceModel model, ModelInferRequest request)
    {
        var raw = request.RawInputContents;
        if (raw.Count != 0 && raw.Count != request.Inputs.Count)
        {
            throw Invalid($"raw_input_contents has {raw.Count} entries but the request has {request.Inputs.Count} inputs; "
                + "send one entry per input, in the order of inputs, or none");
        }

        var inputs = new InputTensor[model.Inputs.Length];
        for (var i = 0; i < request.Inputs.Count; i++)
        {
            var tensor = request.Inputs[i];
            var index = model.FindInput(tensor.Name);
            if (index < 0)
            {
                throw Invalid($"unknown input '{ClientText.Escape(tensor.Name)}'; model '{model.Name}' has inputs: {model.InputNames}");
            }

            if (inputs[index] is not null)
            {
                throw Invalid($"input '{tensor.Name}' appears more than once");
            }

            inputs[index] = DecodeInput(model.Inputs[index], tensor, raw.Count == 0 ? null : raw[i]);
        }

        for (var i = 0; i < inputs.Length; i++)
        {
            if (inputs[i] is null)
            {
                throw Invalid($"missing input '{model.Inputs[i].Name}': the model expects {model.Inputs[i].Datatype} "
                    + $"{model.Inputs[i].ShapeText}; its inputs are: {model.InputNames}");
            }
        }

        var outputs = DecodeOutputs(model, request);

        // FP16/BF16 have no typed field, and OIP does not mix typed and raw outputs in one response: with such an
        // output among those requested, the response stays raw.
        var typed = DecodeTypedOutputs(request) && outputs.All(o => OipDatatype.TypedField(model.Outputs[o].ElementType) is not null);
        return new DecodedRequest(request.Id, inputs, outputs, typed);
    }

    private static InputTensor DecodeInput(TensorSpec spec, ModelInferRequest.Types.InferInputTensor tensor, Google.Protobuf.ByteString? raw)
    {
        var name = tensor.Name;
        if (!string.Equals(tensor.Datatype, spec.Datatype, StringComparison.Ordinal))
        {
            var what = Datatypes.IsKnown(tensor.Datatype) ? $"datatype {tensor.Datatype}" : $"unknown datatype '{ClientText.Escape(tensor.Datatype)}'";
            throw Invalid($"input '{name}' has {what}; the model expects {spec.Datatype}");
        }

        var shape = tensor.Shape;
        var dims = new long[shape.Count];
        shape.CopyTo(dims, 0);
        var modelShape = spec.ShapeText;
        if (dims.Length != spec.Shape.Length)
        {
            throw Invalid($"input '{name}' has shape {TensorSpec.FormatShape(dims)} (rank {dims.Length}); "
                + $"the model expects rank {spec.Shape.Length}, shape {modelShape}");
        }

        long count = 1;
        for (var d = 0; d < dims.Length; d++)
        {
            if (dims[d] < 0)
            {
                throw Invalid($"input '{name}' has a negative dimension in shape {TensorSpec.FormatShape(dims)}; "
                    + $"the model expects shape {modelShape}");
            }

            if (spec.Shape[d] >= 0 && spec.Shape[d] != dims[d])
            {
                throw Invalid($"input '{name}' has shape {TensorSpec.FormatShape(dims)}; dimension {d} must be {spec.Shape[d]} "
                    + $"(model shape {modelShape})");
            }

            // Tensors are bounded by the message size anyway; int.MaxValue elements keeps every offset an int.
            if (dims[d] != 0 && count > int.MaxValue / dims[d])
            {
                throw Invalid($"input '{name}' has shape {TensorSpec.FormatShape(dims)}: more elements than a request can carry");
            }

            count *= dims[d];
        }

        var contents = tensor.Contents;
        var typedCount = contents is null ? 0 : TypedContents.TotalCount(contents);
        if (raw is not null)
        {
            if (typedCount > 0)
            {
                throw Invalid($"input '{name}' has both typed contents and raw_input_contents; send one of them");
            }

            CheckRaw(spec, name, dims, count, raw.Span);
            return new InputTensor(spec, dims, count, raw, null);
        }

        var field = OipDatatype.TypedField(spec.ElementType);
        if (field is null)
        {
            if (typedCount > 0 || count > 0)
            {
                throw Invalid($"input '{name}' is {spec.Datatype}, which has no typed contents field; send it in raw_input_contents");
            }

            return new InputTensor(spec, dims, count, null, null);
        }

        if (contents is not null && TypedContents.OtherFilledField(contents, field) is { } other)
        {
            throw Invalid($"input '{name}' ({spec.Datatype}) carries {other}; {spec.Datatype} values go in {field}");
        }

        var actual = contents is null ? 0 : TypedContents.Count(spec.ElementType, contents);
        if (actual != count)
        {
            throw Invalid(actual == 0
                ? $"input '{name}' has no contents; shape {TensorSpec.FormatShape(dims)} needs {count} {spec.Datatype} values in {field} or raw_input_contents"
                : $"input '{name}' has {actual} values in {field}; shape {TensorSpec.FormatShape(dims)} needs {count}");
        }

        if (contents is not null && TypedContents.FindOutOfRange(spec.ElementType, contents) is { } range)
        {
            throw Invalid($"input '{name}' ({spec.Datatype}): {range}");
        }

        return new InputTensor(spec, dims, count, null, contents);
    }

    private static void CheckRaw(TensorSpec spec, string name, long[] dims, long count, ReadOnlySpan<byte> raw)
    {
        if (spec.IsString)
        {
            var elements = BytesElements.Count(raw, out var problem);
            if (elements is null)
            {
                throw Invalid($"input '{name}' (BYTES) raw contents are malformed: {problem}; "
                    + "each element must be a 4-byte little-endian length followed by its bytes");
            }

            if (elements != count)
            {
                throw Invalid($"input '{name}' (BYTES) raw contents hold {elements} elements; shape {TensorSpec.FormatShape(dims)} needs {count}");
            }

            return;
        }

        var expected = count * spec.ElementSize;
        if (raw.Length != expected)
        {
            throw Invalid($"input '{name}' has {raw.Length} bytes of raw contents; shape {TensorSpec.FormatShape(dims)} "
                + $"of {spec.Datatype} needs {expected} ({count} elements of {spec.ElementSize} bytes)");
        }

        if (spec.ElementType == TensorElementType.Bool && raw.IndexOfAnyExcept((byte)0, (byte)1) is var bad and >= 0)
        {
            throw Invalid($"input '{name}' (BOOL) byte {bad} is {raw[bad]}; BOOL elements must be 0 or 1");
        }
    }

    private static int[] DecodeOutputs(InferenceModel model, ModelInferRequest request)
    {
        var requested = request.Outputs;
        if (requested.Count == 0)
        {
            return model.AllOutputIndices;
        }

        var indices = new int[requested.Count];
        for (var i = 0; i < requested.Count; i++)
        {
            var name = requested[i].Name;
            var index = model.FindOutput(name);
            if (index < 0)
            {
                throw Invalid($"unknown requested output '{ClientText.Escape(name)}'; model '{model.Name}' has outputs: {model.OutputNames}");
            }

            if (indices.AsSpan(0, i).Contains(index))
            {
                throw Invalid($"output '{name}' is requested more than once");
            }

            indices[i] = index;
        }

        return indices;
    }

    private static bool DecodeTypedOutputs(ModelInferRequest request)
    {
        if (request.Parameters.Count == 0 || !request.Parameters.TryGetValue(BinaryDataOutputParameter, out var parameter))
        {
            return false;
        }

        if (parameter.ParameterChoiceCase != InferParameter.ParameterChoiceOneofCase.BoolParam)
        {
            throw Invalid($"parameter '{BinaryDataOutputParameter}' must be a bool_param (true: raw_output_contents, false: typed contents)");
        }

        return !parameter.BoolParam;
    }

    private static InferenceException Invalid(string message) => new(InferenceErrorKind.InvalidArgument, message);
}
