namespace Inference.Onnx.TestData;

/// <summary>
/// The node cases of the ONNX backend test suite, in <see cref="Inference.Testing.Peers.OnnxTestDataDirectory"/>.
/// Layout: &lt;node&gt;/&lt;case&gt;/model.onnx and &lt;case&gt;/test_data_set_0/input_N.pb, output_N.pb.
/// </summary>
public static class BackendTestData
{
    public static string NodeDirectory => Inference.Testing.Peers.OnnxTestDataDirectory;

    public static bool IsAvailable => Directory.Exists(NodeDirectory);

    /// <summary>Names of all node cases, sorted ordinally.</summary>
    public static IReadOnlyList<string> NodeCaseNames() =>
        Directory.EnumerateDirectories(NodeDirectory)
            .Select(Path.GetFileName)
            .OfType<string>()
            .Order(StringComparer.Ordinal)
            .ToArray();

    public static BackendTestCase LoadNodeCase(string name)
    {
        var directory = Path.Combine(NodeDirectory, name);
        var dataSet = Path.Combine(directory, "test_data_set_0");
        return new BackendTestCase(
            name,
            Path.Combine(directory, "model.onnx"),
            ReadSeries(dataSet, "input"),
            ReadSeries(dataSet, "output"));
    }

    private static TensorProtoData[] ReadSeries(string directory, string prefix)
    {
        var result = new List<TensorProtoData>();
        for (var i = 0; File.Exists(Path.Combine(directory, $"{prefix}_{i}.pb")); i++)
        {
            result.Add(TensorProtoReader.ReadFile(Path.Combine(directory, $"{prefix}_{i}.pb")));
        }

        return result.ToArray();
    }
}
