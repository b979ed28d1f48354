using Inference.Contracts.Oip;
using Inference.ModelServer.Configuration;
using Inference.ModelServer.Tensors;
using Inference.Onnx;

namespace Inference.ModelServer.Model;

/// <summary>The one model version this process serves: its session, its tensors and its identity.</summary>
internal sealed class ServedModel : IDisposable
{
    public const string Platform = "onnxruntime_onnx";

    private ServedModel(string name, string version, string path, string sha256, OnnxSession session)
    {
        Name = name;
        Version = version;
        Path = path;
        Sha256 = sha256;
        Session = session;
        Inputs = session.Inputs.Select((m, i) => new TensorSpec(i, m, DatatypeOf(m, "input"))).ToArray();
        Outputs = session.Outputs.Select((m, i) => new TensorSpec(i, m, DatatypeOf(m, "output"))).ToArray();
        CanBatch = Inputs.Length > 0 && Inputs.All(i => i.HasDynamicBatch) && Outputs.All(o => o.HasDynamicBatch);
        InputNames = string.Join(", ", Inputs.Select(i => i.Description));
        OutputNames = string.Join(", ", Outputs.Select(o => o.Name));
        AllOutputIndices = Enumerable.Range(0, Outputs.Length).ToArray();
        Metadata = BuildMetadata();
    }

    public string Name { get; }

    public string Version { get; }

    public string Path { get; }

    /// <summary>SHA-256 of the model file's bytes as loaded, lower-case hex: identifies the exact artifact served.</summary>
    public string Sha256 { get; }

    public OnnxSession Session { get; }

    public TensorSpec[] Inputs { get; }

    public TensorSpec[] Outputs { get; }

    /// <summary>Every input and output has a dynamic dimension 0, so requests can be merged along it.</summary>
    public bool CanBatch { get; }

    /// <summary>"input (FP32 [-1,4]), …" for error messages.</summary>
    public string InputNames { get; }

    /// <summary>"probabilities, label" for error messages.</summary>
    public string OutputNames { get; }

    /// <summary>0..outputs-1: what a request without requested outputs gets.</summary>
    public int[] AllOutputIndices { get; }

    /// <summary>The ModelMetadata answer; built once, never mutated.</summary>
    public ModelMetadataResponse Metadata { get; }

    /// <summary>
    /// Reads the model file once, hashes those bytes and creates the session from the same bytes. External data
    /// files (weights kept beside a model) are read by ONNX Runtime from the model's folder; the hash does not
    /// cover them.
    /// </summary>
    public static ServedModel Load(ModelServerOptions options)
    {
        var path = System.IO.Path.GetFullPath(options.ModelPath);
        OnnxSession session;
        string sha256;
        using (var file = ModelFile.Read(path))
        {
            sha256 = file.Sha256;
            session = OnnxSession.Create(file.Bytes, SessionOptions(options, System.IO.Path.GetDirectoryName(path)));
        }

        try
        {
            return new ServedModel(options.ModelName, options.ModelVersion, path, sha256, session);
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }

    /// <summary>The ONNX Runtime session options the command line asks for.</summary>
    public static OnnxSessionOptions SessionOptions(ModelServerOptions options, string? modelDirectory) => new()
    {
        IntraOpThreads = options.IntraOpThreads,
        InterOpThreads = options.InterOpThreads,
        OptimizationLevel = options.OptimizationLevel,
        ExecutionMode = options.ExecutionMode,
        ExecutionProvider = options.ExecutionProvider,
        ExternalDataDirectory = modelDirectory,
    };

    /// <summary>Index of the input named <paramref name="name"/>, or -1.</summary>
    public int FindInput(string name)
    {
        for (var i = 0; i < Inputs.Length; i++)
        {
            if (string.Equals(Inputs[i].Name, name, StringComparison.Ordinal))
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>Index of the output named <paramref name="name"/>, or -1.</summary>
    public int FindOutput(string name)
    {
        for (var i = 0; i < Outputs.Length; i++)
        {
            if (string.Equals(Outputs[i].Name, name, StringComparison.Ordinal))
            {
                return i;
            }
        }

        return -1;
    }

    public void Dispose() => Session.Dispose();

    private static string DatatypeOf(TensorMetadata metadata, string role)
    {
        if (metadata.Kind != OnnxValueKind.Tensor)
        {
            // scikit-learn classifiers converted by skl2onnx end in a ZipMap node: a sequence of maps (class → probability).
            throw new NotSupportedException(
                $"Model {role} '{metadata.Name}' is {KindName(metadata.Kind)}, not a tensor: the Open Inference "
                + "Protocol carries tensors only, so this model cannot be served. A scikit-learn model converted with skl2onnx gets "
                + "such an output from its ZipMap node: convert it again with ZipMap disabled (skl2onnx: "
                + "options={id(model): {'zipmap': False}}), which makes the probabilities a tensor, or remove that output from the graph.");
        }

        return OipDatatype.FromElementType(metadata.ElementType) ?? throw new NotSupportedException(
            $"Model {role} '{metadata.Name}' is a tensor of {metadata.ElementType}, which has no Open Inference Protocol datatype; "
            + "only BOOL, UINT8/16/32/64, INT8/16/32/64, FP16, BF16, FP32, FP64 and BYTES (string) tensors can be served. "
            + "Cast it to one of those in the graph.");
    }

    private static string KindName(OnnxValueKind kind) => kind switch
    {
        OnnxValueKind.Sequence => "a sequence",
        OnnxValueKind.Map => "a map",
        OnnxValueKind.SparseTensor => "a sparse tensor",
        OnnxValueKind.Optional => "an optional value",
        OnnxValueKind.Opaque => "an opaque value",
        _ => "a value of unknown kind",
    };

    private ModelMetadataResponse BuildMetadata()
    {
        var response = new ModelMetadataResponse { Name = Name, Platform = Platform };
        response.Versions.Add(Version);
        foreach (var input in Inputs)
        {
            response.Inputs.Add(Describe(input));
        }

        foreach (var output in Outputs)
        {
            response.Outputs.Add(Describe(output));
        }

        return response;

        static ModelMetadataResponse.Types.TensorMetadata Describe(TensorSpec spec)
        {
            var tensor = new ModelMetadataResponse.Types.TensorMetadata { Name = spec.Name, Datatype = spec.Datatype };
            tensor.Shape.Add(spec.Shape);
            return tensor;
        }
    }
}
