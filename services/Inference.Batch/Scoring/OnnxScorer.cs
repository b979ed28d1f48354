using System.Buffers;
using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Google.Protobuf;
using Inference.Batch.Jobs;
using Inference.Batch.Models;
using Inference.Batch.Tensors;
using Inference.Contracts.Oip;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace Inference.Batch.Scoring;

/// <summary>
/// Scores in this process on ONNX Runtime: the request's raw contents become OrtValues over the same bytes (pinned,
/// not copied), one Run per Run of rows, outputs copied out as raw OIP contents.
/// </summary>
internal sealed class OnnxScorer : IModelScorer
{
    private readonly InferenceSession _session;
    private readonly RunOptions _runOptions = new();
    private readonly string[] _outputNames;

    private OnnxScorer(InferenceSession session, ModelDescription model)
    {
        _session = session;
        Model = model;
        _outputNames = model.Outputs.Select(o => o.Name).ToArray();
    }

    public ModelDescription Model { get; }

    /// <summary>Loads the model file (hashing exactly the bytes the session is created from).</summary>
    public static Task<IModelScorer> OpenAsync(JobOptions options, CancellationToken cancellationToken)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(options.ModelFile!);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new JobException($"cannot read the model {options.ModelFile}: {ex.Message}");
        }

        InferenceSession session;
        try
        {
            using var sessionOptions = new SessionOptions
            {
                IntraOpNumThreads = options.IntraOpThreads,
                GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
                ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            };
            // A model with external weights finds them beside the file.
            sessionOptions.AddSessionConfigEntry("session.model_external_initializers_file_folder_path", Path.GetDirectoryName(Path.GetFullPath(options.ModelFile!))!);
            session = new InferenceSession(bytes, sessionOptions);
        }
        catch (OnnxRuntimeException ex)
        {
            throw new JobException($"ONNX Runtime cannot load {options.ModelFile}: {ex.Message}");
        }

        try
        {
            var model = new ModelDescription(
                options.Name ?? Path.GetFileNameWithoutExtension(options.ModelFile!),
                options.Version ?? "",
                Convert.ToHexStringLower(SHA256.HashData(bytes)),
                session.InputNames.Select(n => Spec(n, session.InputMetadata[n])).ToList(),
                session.OutputNames.Select(n => Spec(n, session.OutputMetadata[n])).ToList());
            return Task.FromResult<IModelScorer>(new OnnxScorer(session, model));
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }

    public ValueTask<ScoredTensors> ScoreAsync(ModelInferRequest request, int rows, CancellationToken cancellationToken)
    {
        var inputs = new List<OrtValue>(request.Inputs.Count);
        var pins = new List<MemoryHandle>(request.Inputs.Count);
        try
        {
            for (var i = 0; i < request.Inputs.Count; i++)
            {
                var tensor = request.Inputs[i];
                inputs.Add(Input(ElementTypes.Parse(tensor.Datatype), tensor.Shape.ToArray(), request.RawInputContents[i], pins));
            }

            using var outputs = _session.Run(_runOptions, request.Inputs.Select(t => t.Name).ToArray(), inputs, _outputNames);
            var tensors = new OutputTensor[_outputNames.Length];
            var index = 0;
            foreach (var output in outputs)
            {
                var spec = Model.Outputs[index];
                var shape = output.GetTensorTypeAndShape().Shape;
                var contents = spec.IsBytes ? StringContents(output) : ByteString.CopyFrom(output.GetTensorMutableRawData());
                tensors[index] = new OutputTensor(spec.Name, ElementTypes.Parse(spec.Datatype), shape, contents, rows);
                index++;
            }

            return ValueTask.FromResult(new ScoredTensors(tensors, Model.Version));
        }
        catch (OnnxRuntimeException ex) when (ex.Message.StartsWith("[ErrorCode:InvalidArgument]", StringComparison.Ordinal))
        {
            throw new RunRefusedException(ex.Message);
        }
        catch (OnnxRuntimeException ex)
        {
            throw new JobException($"ONNX Runtime failed: {ex.Message}");
        }
        finally
        {
            foreach (var input in inputs)
            {
                input.Dispose();
            }

            foreach (var pin in pins)
            {
                pin.Dispose();
            }
        }
    }

    public ValueTask DisposeAsync()
    {
        _runOptions.Dispose();
        _session.Dispose();
        return ValueTask.CompletedTask;
    }

    private static unsafe OrtValue Input(ElementType type, long[] shape, ByteString contents, List<MemoryHandle> pins)
    {
        if (type == ElementType.Bytes)
        {
            var count = (int)shape.Aggregate(1L, (a, d) => a * d);
            var value = OrtValue.CreateTensorWithEmptyStrings(OrtAllocator.DefaultInstance, shape);
            var span = contents.Span;
            for (int i = 0, offset = 0; i < count; i++)
            {
                var length = BinaryPrimitives.ReadInt32LittleEndian(span[offset..]);
                value.StringTensorSetElementAt(span.Slice(offset + 4, length), i);
                offset += 4 + length;
            }

            return value;
        }

        var pin = contents.Memory.Pin();
        pins.Add(pin);
        return OrtValue.CreateTensorValueWithData(OrtMemoryInfo.DefaultInstance, OrtType(type), shape, (nint)pin.Pointer, contents.Length);
    }

    private static ByteString StringContents(OrtValue value)
    {
        var strings = value.GetStringTensorAsArray();
        using var buffer = new MemoryStream();
        Span<byte> prefix = stackalloc byte[4];
        foreach (var text in strings)
        {
            var bytes = Encoding.UTF8.GetBytes(text);
            BinaryPrimitives.WriteInt32LittleEndian(prefix, bytes.Length);
            buffer.Write(prefix);
            buffer.Write(bytes);
        }

        return ByteString.CopyFrom(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    private static TensorSpec Spec(string name, NodeMetadata metadata)
    {
        if (!metadata.IsTensor)
        {
            throw new JobException($"the model's {name} is a {metadata.OnnxValueType}, not a tensor: only tensors can be columns");
        }

        var datatype = metadata.ElementDataType switch
        {
            TensorElementType.Bool => Datatypes.Bool,
            TensorElementType.UInt8 => Datatypes.UInt8,
            TensorElementType.UInt16 => Datatypes.UInt16,
            TensorElementType.UInt32 => Datatypes.UInt32,
            TensorElementType.UInt64 => Datatypes.UInt64,
            TensorElementType.Int8 => Datatypes.Int8,
            TensorElementType.Int16 => Datatypes.Int16,
            TensorElementType.Int32 => Datatypes.Int32,
            TensorElementType.Int64 => Datatypes.Int64,
            TensorElementType.Float16 => Datatypes.Fp16,
            TensorElementType.BFloat16 => Datatypes.Bf16,
            TensorElementType.Float => Datatypes.Fp32,
            TensorElementType.Double => Datatypes.Fp64,
            TensorElementType.String => Datatypes.Bytes,
            var other => throw new JobException($"the model's {name} has element type {other}, which OIP has no datatype for"),
        };
        return new TensorSpec(name, datatype, metadata.Dimensions.Select(d => (long)d).ToArray());
    }

    private static TensorElementType OrtType(ElementType type) => type switch
    {
        ElementType.Bool => TensorElementType.Bool,
        ElementType.UInt8 => TensorElementType.UInt8,
        ElementType.UInt16 => TensorElementType.UInt16,
        ElementType.UInt32 => TensorElementType.UInt32,
        ElementType.UInt64 => TensorElementType.UInt64,
        ElementType.Int8 => TensorElementType.Int8,
        ElementType.Int16 => TensorElementType.Int16,
        ElementType.Int32 => TensorElementType.Int32,
        ElementType.Int64 => TensorElementType.Int64,
        ElementType.Fp16 => TensorElementType.Float16,
        ElementType.Bf16 => TensorElementType.BFloat16,
        ElementType.Fp32 => TensorElementType.Float,
        ElementType.Fp64 => TensorElementType.Double,
        _ => TensorElementType.String,
    };
}
