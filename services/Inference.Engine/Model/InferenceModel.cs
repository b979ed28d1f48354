using System.Security.Cryptography;
using Inference.Contracts.Oip;
using Inference.Engine.Requests;
using Inference.Engine.Runtime;
using Inference.Engine.Tensors;
using Microsoft.ML.OnnxRuntime;

namespace Inference.Engine.Model;

/// <summary>One version of one model, loaded into an ONNX Runtime session: its tensors and its identity.</summary>
public sealed class InferenceModel : IDisposable
{
    /// <summary>The OIP platform name of models run by ONNX Runtime.</summary>
    public const string Platform = "onnxruntime_onnx";

    // Where ONNX Runtime finds the external data files of a model created from bytes (it has no folder of its own).
    private const string ExternalDataFolderKey = "session.model_external_initializers_file_folder_path";

    private InferenceModel(string name, string version, string path, string sha256, ModelOptions options, InferenceSession session, string logId)
    {
        LogId = logId;
        Name = name;
        Version = version;
        Path = path;
        Sha256 = sha256;
        Options = options;
        Session = session;
        Inputs = session.InputNames.Select((n, i) => Spec(i, n, session.InputMetadata[n], "input")).ToArray();
        Outputs = session.OutputNames.Select((n, i) => Spec(i, n, session.OutputMetadata[n], "output")).ToArray();
        InputNameList = [.. session.InputNames];
        OutputNameList = [.. session.OutputNames];
        CanBatch = Inputs.Length > 0 && Inputs.All(i => i.HasDynamicBatch) && Outputs.All(o => o.HasDynamicBatch);
        InputNames = string.Join(", ", Inputs.Select(i => i.Description));
        OutputNames = string.Join(", ", Outputs.Select(o => o.Name));
        AllOutputIndices = Enumerable.Range(0, Outputs.Length).ToArray();
        Metadata = BuildMetadata();
    }

    public string Name { get; }

    public string Version { get; }

    /// <summary>The full path the model was loaded from.</summary>
    public string Path { get; }

    /// <summary>SHA-256 of the model file's bytes as loaded, lower-case hex: identifies the exact artifact.</summary>
    public string Sha256 { get; }

    public ModelOptions Options { get; }

    /// <summary>The session's ONNX Runtime log id: its messages can be routed with <see cref="OnnxRuntimeEnvironment.AddSink"/>.</summary>
    public string LogId { get; }

    public InferenceSession Session { get; }

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

    /// <summary>The ModelMetadata answer; built once, never to be changed.</summary>
    public ModelMetadataResponse Metadata { get; }

    /// <summary>Input names in session order, as Run takes them.</summary>
    internal string[] InputNameList { get; }

    /// <summary>Output names in session order.</summary>
    internal string[] OutputNameList { get; }

    /// <summary>
    /// Reads the model file once, hashes those bytes and creates the session from the same bytes. External data files
    /// (weights kept beside a model) are read by ONNX Runtime from the model's folder; the hash does not cover them.
    /// Throws <see cref="NotSupportedException"/> for a model the protocol cannot serve or a provider ONNX Runtime
    /// lacks, <see cref="OnnxRuntimeException"/> for a file ONNX Runtime cannot load, and I/O exceptions.
    /// </summary>
    public static InferenceModel Load(string path, string name, string version, ModelOptions? options = null)
    {
        options ??= new ModelOptions();
        var fullPath = System.IO.Path.GetFullPath(path);
        var bytes = ModelBytes.Read(fullPath);
        var sha256 = Convert.ToHexStringLower(SHA256.HashData(bytes));
        var logId = OnnxRuntimeEnvironment.NewLogId($"{name}:{version}");
        InferenceSession session;
        using (var sessionOptions = CreateSessionOptions(options, System.IO.Path.GetDirectoryName(fullPath)))
        {
            sessionOptions.LogId = logId;
            session = new InferenceSession(bytes, sessionOptions);
        }

        try
        {
            return new InferenceModel(name, version, fullPath, sha256, options, session, logId);
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }

    /// <summary>The ONNX Runtime session options of <paramref name="options"/>.</summary>
    internal static SessionOptions CreateSessionOptions(ModelOptions options, string? modelDirectory)
    {
        _ = OnnxRuntimeEnvironment.Instance;
        var session = new SessionOptions();
        try
        {
            session.IntraOpNumThreads = options.IntraOpThreads;
            session.InterOpNumThreads = options.InterOpThreads;
            session.GraphOptimizationLevel = options.OptimizationLevel;
            session.ExecutionMode = options.ExecutionMode;
            // Idle pool threads do not spin: spinning lowers latency a little but burns the CPU that request handling shares.
            session.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
            session.AddSessionConfigEntry("session.inter_op.allow_spinning", "0");
            // Without its arena, ONNX Runtime gives the memory of every Run back when the Run's values are released: an
            // arena keeps the largest Runs' memory for good (a burst of large requests would hold it until a restart).
            session.EnableCpuMemArena = false;
            if (!string.IsNullOrEmpty(modelDirectory))
            {
                session.AddSessionConfigEntry(ExternalDataFolderKey, modelDirectory);
            }

            ExecutionProviders.Append(session, options.ExecutionProvider);
            return session;
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Throws <see cref="InferenceErrorKind.NotFound"/> unless <paramref name="name"/> (and a non-empty
    /// <paramref name="version"/>) is this model.
    /// </summary>
    public void CheckServes(string name, string version)
    {
        if (!string.Equals(name, Name, StringComparison.Ordinal))
        {
            throw new InferenceException(InferenceErrorKind.NotFound,
                $"model '{ClientText.Escape(name)}' is not served here; this server serves model '{Name}' version '{Version}'");
        }

        if (version.Length != 0 && !string.Equals(version, Version, StringComparison.Ordinal))
        {
            throw new InferenceException(InferenceErrorKind.NotFound,
                $"model '{Name}' version '{ClientText.Escape(version)}' is not served here; this server serves version '{Version}'");
        }
    }

    /// <summary>Index of the input named <paramref name="name"/>, or -1.</summary>
    public int FindInput(string name) => Find(Inputs, name);

    /// <summary>Index of the output named <paramref name="name"/>, or -1.</summary>
    public int FindOutput(string name) => Find(Outputs, name);

    public void Dispose() => Session.Dispose();

    private static int Find(TensorSpec[] specs, string name)
    {
        for (var i = 0; i < specs.Length; i++)
        {
            if (string.Equals(specs[i].Name, name, StringComparison.Ordinal))
            {
                return i;
            }
        }

        return -1;
    }

    private static TensorSpec Spec(int index, string name, NodeMetadata metadata, string role)
    {
        if (metadata.OnnxValueType != OnnxValueType.ONNX_TYPE_TENSOR)
        {
            // scikit-learn classifiers converted by skl2onnx end in a ZipMap node: a sequence of maps (class → probability).
            throw new NotSupportedException(
                $"Model {role} '{name}' is {KindName(metadata.OnnxValueType)}, not a tensor: the Open Inference "
                + "Protocol carries tensors only, so this model cannot be served. A scikit-learn model converted with skl2onnx gets "
                + "such an output from its ZipMap node: convert it again with ZipMap disabled (skl2onnx: "
                + "options={id(model): {'zipmap': False}}), which makes the probabilities a tensor, or remove that output from the graph.");
        }

        var datatype = OipDatatype.FromElementType(metadata.ElementDataType) ?? throw new NotSupportedException(
            $"Model {role} '{name}' is a tensor of {metadata.ElementDataType}, which has no Open Inference Protocol datatype; "
            + "only BOOL, UINT8/16/32/64, INT8/16/32/64, FP16, BF16, FP32, FP64 and BYTES (string) tensors can be served. "
            + "Cast it to one of those in the graph.");
        // ONNX Runtime reports a dimension without a fixed size (symbolic or unknown) as -1.
        var shape = metadata.Dimensions.Select(d => d < 0 ? -1L : d).ToArray();
        return new TensorSpec(index, name, metadata.ElementDataType, datatype, shape);
    }

    private static string KindName(OnnxValueType kind) => kind switch
    {
        OnnxValueType.ONNX_TYPE_SEQUENCE => "a sequence",
        OnnxValueType.ONNX_TYPE_MAP => "a map",
        OnnxValueType.ONNX_TYPE_SPARSETENSOR => "a sparse tensor",
        OnnxValueType.ONNX_TYPE_OPTIONAL => "an optional value",
        OnnxValueType.ONNX_TYPE_OPAQUE => "an opaque value",
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
