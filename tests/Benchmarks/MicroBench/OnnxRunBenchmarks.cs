using BenchmarkDotNet.Attributes;
using Inference.Onnx;

namespace Inference.MicroBench;

/// <summary>
/// One iris Run through the binding: the indexed hot path the model server uses (names resolved
/// once, output array reused) against the by-name convenience call. Both include ONNX Runtime's
/// own work, so the difference is the binding's overhead per call.
/// </summary>
[MemoryDiagnoser]
public class OnnxRunBenchmarks
{
    private OnnxSession _session = null!;
    private OnnxValue _input = null!;
    private readonly float[] _features = [5.1f, 3.5f, 1.4f, 0.2f];
    private readonly OnnxValue?[] _outputs = new OnnxValue?[2];
    private int[] _inputIndices = [];
    private int[] _outputIndices = [];
    private OnnxValue[] _inputValues = [];

    [GlobalSetup]
    public void Setup()
    {
        var model = Path.Combine(RepositoryRoot(), "tests", "models", "iris", "2", "model.onnx");
        _session = OnnxSession.Create(model, new OnnxSessionOptions { IntraOpThreads = 1 });
        _input = OnnxValue.CreateTensor(_features.AsMemory(), [1, 4]);
        _inputIndices = [_session.GetInputIndex("input")];
        _outputIndices = [_session.GetOutputIndex("probabilities"), _session.GetOutputIndex("label")];
        _inputValues = [_input];
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _input.Dispose();
        _session.Dispose();
    }

    [Benchmark(Baseline = true, Description = "Run by name (convenience)")]
    public long ByName()
    {
        using var outputs = _session.Run([new("input", _input)]);
        return outputs["label"].GetTensorData<long>()[0];
    }

    [Benchmark(Description = "Run by index (model server path)")]
    public long ByIndex()
    {
        _session.Run(_inputIndices, _inputValues, _outputIndices, _outputs, runOptions: null, CancellationToken.None);
        var label = _outputs[1]!.GetTensorData<long>()[0];
        _outputs[0]!.Dispose();
        _outputs[1]!.Dispose();
        return label;
    }

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Inference.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("run from inside the repository");
    }
}
