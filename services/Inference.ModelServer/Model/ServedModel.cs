using System.Security.Cryptography;
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

    /// <summary>SHA-256 of the model file, lower-case hex: identifies the exact artifact served.</summary>
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

    public static ServedModel Load(ModelServerOptions options)
    {
        var path = System.IO.Path.GetFullPath(options.ModelPath);
        string sha256;
        using (var file = File.OpenRead(path))
        {
            sha256 = Convert.ToHexStringLower(SHA256.HashData(file));
        }

        var session = OnnxSession.Create(path, new OnnxSessionOptions { IntraOpThreads = options.IntraOpThreads });
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
        if (metadata.Kind != OnnxValueKind.Tensor || OipDatatype.FromElementType(metadata.ElementType) is not { } datatype)
        {
            throw new NotSupportedException(
                $"Model {role} '{metadata.Name}' is a {metadata.Kind} of {metadata.ElementType}; only tensors of the OIP v2 datatypes can be served.");
        }

        return datatype;
    }

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
