using System.Text.Json;
using System.Text.RegularExpressions;
using Inference.Onnx.Tests.Support;

namespace Inference.Onnx.Tests;

/// <summary>
/// Every session option reaches ONNX Runtime. At info level ONNX Runtime logs one "Session Options { … }" line
/// describing the options a session was created with: the tests read each setter's effect there (and in the
/// files it writes), then check that the model's answers do not change.
/// </summary>
[Collection(LogSinkCollection.Name)]
public sealed partial class SessionOptionsTests
{
    public static TheoryData<OnnxSessionOptions> Variants => new()
    {
        new OnnxSessionOptions(),
        new OnnxSessionOptions { IntraOpThreads = 1, InterOpThreads = 1 },
        new OnnxSessionOptions { IntraOpThreads = 2, OptimizationLevel = GraphOptimizationLevel.Disabled },
        new OnnxSessionOptions { OptimizationLevel = GraphOptimizationLevel.Basic },
        new OnnxSessionOptions { OptimizationLevel = GraphOptimizationLevel.Extended },
        new OnnxSessionOptions { ExecutionMode = ExecutionMode.Parallel, InterOpThreads = 2 },
        new OnnxSessionOptions { AllowSpinning = true },
        new OnnxSessionOptions { ExecutionProvider = "CPUExecutionProvider" },
        new OnnxSessionOptions { ConfigEntries = new Dictionary<string, string> { ["session.disable_prepacking"] = "1" } },
    };

    [Theory]
    [MemberData(nameof(Variants))]
    public void Options_TakeEffectInOnnxRuntime_AndDoNotChangeResults(OnnxSessionOptions variant)
    {
        var optimized = Path.Combine(Path.GetTempPath(), $"optimized-{Guid.NewGuid():N}.onnx");
        var options = variant with { LogSeverityLevel = 1, OptimizedModelFilePath = optimized };
        var expected = IrisExpectation.Load(2);
        string description;
        using (var log = new LogRecorder())
        {
            using var session = OnnxSession.Create(Models.Iris(2), options);
            using var input = OnnxValue.CreateTensor(expected.FlatInputs.AsMemory(), expected.Shape);
            using var outputs = session.Run([new KeyValuePair<string, OnnxValue>("input", input)]);

            Assert.Same(options, session.Options);
            Assert.Equal(expected.Labels, outputs["label"].GetTensorData<long>().ToArray());
            description = Assert.Single(log.Entries, entry =>
                entry.Message.StartsWith("Session Options", StringComparison.Ordinal)
                && entry.Message.Contains(optimized, StringComparison.Ordinal)).Message;
        }

        try
        {
            Assert.Contains($"execution_mode:{(int)options.ExecutionMode} ", description, StringComparison.Ordinal);
            Assert.Contains($"graph_optimization_level:{OrtTransformerLevel(options.OptimizationLevel)} ", description, StringComparison.Ordinal);
            Assert.Equal(options.IntraOpThreads, ThreadPoolSize(description, "intra_op_param"));
            Assert.Equal(options.InterOpThreads, ThreadPoolSize(description, "inter_op_param"));
            Assert.Contains("session_log_severity_level:1 ", description, StringComparison.Ordinal);
            var spinning = options.AllowSpinning ? "1" : "0";
            Assert.Contains($"session.intra_op.allow_spinning: {spinning}", description, StringComparison.Ordinal);
            Assert.Contains($"session.inter_op.allow_spinning: {spinning}", description, StringComparison.Ordinal);
            foreach (var (key, value) in options.ConfigEntries)
            {
                Assert.Contains($"{key}: {value}", description, StringComparison.Ordinal);
            }

            Assert.True(File.Exists(optimized), "the optimized model was not written");
        }
        finally
        {
            File.Delete(optimized);
        }
    }

    [Fact]
    public void OptimizationLevel_ChangesTheGraphOnnxRuntimeRuns()
    {
        // MatMul followed by Add is fused into one Gemm from the basic level on; disabled keeps the graph as written.
        var disabled = OptimizedGraph(GraphOptimizationLevel.Disabled);
        var basic = OptimizedGraph(GraphOptimizationLevel.Basic);

        Assert.Equal(2, Occurrences(disabled, "MatMul"));
        Assert.Equal(0, Occurrences(disabled, "Gemm"));
        Assert.Equal(0, Occurrences(basic, "MatMul"));
        Assert.True(Occurrences(basic, "Gemm") > 0, "no Gemm in the optimized graph");
    }

    [Fact]
    public void ConfigEntries_ReachTheSession()
    {
        // session.save_model_format=ORT makes the optimized model ONNX Runtime's own format (file identifier ORTM).
        var path = Path.Combine(Path.GetTempPath(), $"optimized-{Guid.NewGuid():N}.ort");
        try
        {
            using (OnnxSession.Create(Models.Iris(1), new OnnxSessionOptions
            {
                OptimizedModelFilePath = path,
                ConfigEntries = new Dictionary<string, string> { ["session.save_model_format"] = "ORT" },
            }))
            {
            }

            Assert.Equal("ORTM"u8.ToArray(), File.ReadAllBytes(path).AsSpan(4, 4).ToArray());
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Profiling_WritesATraceOfEveryNodeOnTheExecutionProvider()
    {
        var prefix = Path.Combine(Path.GetTempPath(), $"profile-{Guid.NewGuid():N}");
        using var session = OnnxSession.Create(Models.Iris(1), new OnnxSessionOptions
        {
            ProfileFilePrefix = prefix,
            OptimizationLevel = GraphOptimizationLevel.Disabled,
        });
        using var input = OnnxValue.CreateTensor(new float[8].AsMemory(), [2, 4]);
        using (session.Run([new KeyValuePair<string, OnnxValue>("input", input)]))
        {
        }

        var trace = session.EndProfiling();
        try
        {
            Assert.StartsWith(prefix, trace, StringComparison.Ordinal);
            using var json = JsonDocument.Parse(File.ReadAllText(trace));
            var nodes = json.RootElement.EnumerateArray()
                .Where(e => e.GetProperty("cat").GetString() == "Node" && e.GetProperty("args").TryGetProperty("op_name", out _))
                .Select(e => e.GetProperty("args"))
                .ToList();
            Assert.Equal(
                ["Add", "ArgMax", "MatMul", "Softmax"],
                nodes.Select(n => n.GetProperty("op_name").GetString()).Distinct().Order(StringComparer.Ordinal));
            Assert.All(nodes, n => Assert.Equal("CPUExecutionProvider", n.GetProperty("provider").GetString()));
        }
        finally
        {
            File.Delete(trace);
        }
    }

    [Fact]
    public void EndProfiling_WithoutAProfilePrefix_IsRefused()
    {
        using var session = OnnxSession.Create(Models.Iris(1));

        Assert.Throws<InvalidOperationException>(() => session.EndProfiling());
    }

    [Fact]
    public void FromBytes_LoadsTheSameModel()
    {
        using var session = OnnxSession.Create(File.ReadAllBytes(Models.Iris(1)));

        Assert.Equal("input", Assert.Single(session.Inputs).Name);
        Assert.Equal(1, session.GetModelMetadata().Version);
    }

    [Fact]
    public void FromBytes_FindsExternalData_InTheFolderNamed()
    {
        var bytes = File.ReadAllBytes(Models.Fixture("external_data"));
        var folder = Path.GetDirectoryName(Models.Fixture("external_data"))!;

        // Bytes have no folder of their own: without one, the data file is looked for where the process runs.
        var error = Assert.Throws<OnnxRuntimeException>(() => OnnxSession.Create(bytes));
        Assert.Contains("external_data.bin", error.OrtMessage, StringComparison.Ordinal);

        using var session = OnnxSession.Create(bytes, new OnnxSessionOptions { ExternalDataDirectory = folder });
        using var x = OnnxValue.CreateTensor(new[] { 1f, 2f, 3f }.AsMemory(), [1, 3]);
        using var outputs = session.Run([new KeyValuePair<string, OnnxValue>("x", x)]);
        Assert.Equal([1.5f, 1f, 5f], outputs["y"].GetTensorData<float>().ToArray());
    }

    [Fact]
    public void NegativeThreadCounts_AreRejected() =>
        Assert.Throws<ArgumentOutOfRangeException>(() =>
            OnnxSession.Create(Models.Iris(1), new OnnxSessionOptions { IntraOpThreads = -1 }));

    /// <summary>ONNX Runtime prints its own numbering of the levels: all is its highest, 4.</summary>
    private static int OrtTransformerLevel(GraphOptimizationLevel level) => level == GraphOptimizationLevel.All ? 4 : (int)level;

    private static int ThreadPoolSize(string description, string pool)
    {
        var match = Regex.Match(description, pool + @":OrtThreadPoolParams \{ thread_pool_size: (-?\d+) ");
        Assert.True(match.Success, $"no {pool} in: {description}");
        return int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>The serialized graph ONNX Runtime writes for <paramref name="level"/>.</summary>
    private static string OptimizedGraph(GraphOptimizationLevel level)
    {
        var path = Path.Combine(Path.GetTempPath(), $"optimized-{Guid.NewGuid():N}.onnx");
        try
        {
            using (OnnxSession.Create(Models.Iris(2), new OnnxSessionOptions { OptimizationLevel = level, OptimizedModelFilePath = path }))
            {
            }

            return System.Text.Encoding.Latin1.GetString(File.ReadAllBytes(path));
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>Nodes whose op_type (protobuf field 4 of NodeProto: tag 0x22, then the length) is <paramref name="opType"/>.</summary>
    private static int Occurrences(string graph, string opType) =>
        Regex.Matches(graph, Regex.Escape("\u0022" + (char)opType.Length + opType)).Count;
}
