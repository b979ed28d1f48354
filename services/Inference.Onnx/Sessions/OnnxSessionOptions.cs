namespace Inference.Onnx;

/// <summary>How a session is created. The defaults suit a server: CPU, all optimisations, no spinning.</summary>
public sealed record OnnxSessionOptions
{
    /// <summary>The execution provider used when none is named.</summary>
    public const string CpuProvider = "CPU";

    /// <summary>Threads used inside one operator; 0 lets ONNX Runtime choose (one per physical core).</summary>
    public int IntraOpThreads { get; init; }

    /// <summary>Threads running independent nodes in <see cref="ExecutionMode.Parallel"/>; 0 lets ONNX Runtime choose.</summary>
    public int InterOpThreads { get; init; }

    public GraphOptimizationLevel OptimizationLevel { get; init; } = GraphOptimizationLevel.All;

    public ExecutionMode ExecutionMode { get; init; } = ExecutionMode.Sequential;

    /// <summary>
    /// Whether idle pool threads spin waiting for work. Off by default: spinning lowers latency a little but
    /// burns CPU between requests, which a server shares with its request handling.
    /// </summary>
    public bool AllowSpinning { get; init; }

    /// <summary>
    /// "CPU" (default), or the name of another provider compiled into the runtime: "CUDA", "TensorRT", or any
    /// name ONNX Runtime's generic provider API accepts ("OpenVINO", "XNNPACK", "QNN", …). Session creation
    /// fails with <see cref="NotSupportedException"/> when the runtime does not have the provider.
    /// </summary>
    public string ExecutionProvider { get; init; } = CpuProvider;

    /// <summary>Provider options passed to the execution provider as key/value strings.</summary>
    public IReadOnlyDictionary<string, string> ExecutionProviderOptions { get; init; } = new Dictionary<string, string>();

    /// <summary>Extra session configuration entries (onnxruntime_session_options_config_keys.h); applied last.</summary>
    public IReadOnlyDictionary<string, string> ConfigEntries { get; init; } = new Dictionary<string, string>();

    /// <summary>Minimum severity of ONNX Runtime's own log lines for this session (0 verbose … 4 fatal).</summary>
    public int LogSeverityLevel { get; init; } = 2;

    /// <summary>
    /// Where the external data files of a model loaded from bytes are (their <c>location</c>s are relative to it).
    /// A model loaded from a path finds them beside itself; one loaded from bytes has no folder of its own.
    /// </summary>
    public string? ExternalDataDirectory { get; init; }

    /// <summary>When set, ONNX Runtime writes the graph it will run (after its optimisations) to this file.</summary>
    public string? OptimizedModelFilePath { get; init; }

    /// <summary>
    /// When set, ONNX Runtime's profiler records every Run; <see cref="OnnxSession.EndProfiling"/> writes the trace
    /// (Chrome trace JSON) to a file whose name starts with this prefix and returns its path.
    /// </summary>
    public string? ProfileFilePrefix { get; init; }
}
