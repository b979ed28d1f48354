using Inference.Engine.Execution;
using Inference.PredictionLog;
using Inference.Engine.Model;
using Microsoft.ML.OnnxRuntime;

namespace Inference.ModelServer.Configuration;

/// <summary>Everything the command line sets. Immutable: the host is built from one snapshot.</summary>
internal sealed record ModelServerOptions
{
    public const int DefaultGrpcPort = 8001;
    public const int DefaultHttpPort = 8002;

    /// <summary>Path of the .onnx file.</summary>
    public required string ModelPath { get; init; }

    /// <summary>Model name clients address (ModelInferRequest.model_name).</summary>
    public required string ModelName { get; init; }

    /// <summary>The one version this process serves.</summary>
    public required string ModelVersion { get; init; }

    public string Host { get; init; } = "0.0.0.0";

    /// <summary>gRPC (h2c) port; 0 picks a free one.</summary>
    public int GrpcPort { get; init; } = DefaultGrpcPort;

    /// <summary>HTTP/1.1 port for /metrics, /healthz, /readyz; 0 picks a free one.</summary>
    public int HttpPort { get; init; } = DefaultHttpPort;

    /// <summary>
    /// Inferences admitted at once (running or waiting in the batcher). With batching, never fewer than
    /// <see cref="MaxBatchSize"/> (the engine raises it); the command line defaults it to at least 2 x <see cref="MaxBatchSize"/>.
    /// </summary>
    public int MaxInFlight { get; init; } = Math.Max(4, Environment.ProcessorCount * 4);

    /// <summary>How long a request beyond <see cref="MaxInFlight"/> waits for a slot before RESOURCE_EXHAUSTED.</summary>
    public TimeSpan QueueTimeout { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Merge concurrent requests along dimension 0 into one Run.</summary>
    public bool Batching { get; init; }

    /// <summary>Most rows in one merged Run.</summary>
    public int MaxBatchSize { get; init; } = 32;

    /// <summary>
    /// How long a waiting batch waits behind running ones before it runs alongside them. With no batch running, a
    /// batch runs at once.
    /// </summary>
    public TimeSpan MaxBatchDelay { get; init; } = TimeSpan.FromMicroseconds(500);

    /// <summary>ONNX Runtime intra-op threads; 0 = its default.</summary>
    public int IntraOpThreads { get; init; }

    /// <summary>ONNX Runtime inter-op threads (used in parallel execution mode); 0 = its default.</summary>
    public int InterOpThreads { get; init; }

    /// <summary>How far ONNX Runtime rewrites the graph at load.</summary>
    public GraphOptimizationLevel OptimizationLevel { get; init; } = GraphOptimizationLevel.ORT_ENABLE_ALL;

    /// <summary>Whether independent nodes of the graph run in parallel.</summary>
    public ExecutionMode ExecutionMode { get; init; } = ExecutionMode.ORT_SEQUENTIAL;

    /// <summary>
    /// "CPU", or another execution provider of the ONNX Runtime package in use (e.g. "CUDA" with
    /// Microsoft.ML.OnnxRuntime.Gpu.Linux); loading fails at startup when it is not available.
    /// </summary>
    public string ExecutionProvider { get; init; } = ModelOptions.CpuProvider;

    /// <summary>Largest request message accepted (bytes).</summary>
    public int MaxReceiveMessageSize { get; init; } = 64 * 1024 * 1024;

    /// <summary>
    /// Most bytes of request messages in flight at once (the memory budget); 0 derives it from the memory the GC may
    /// use (<see cref="Memory.MemoryBudget.DefaultLimit"/>).
    /// </summary>
    public long MaxInFlightBytes { get; init; }

    /// <summary>
    /// After SIGTERM: how long to keep serving while reporting not-ready (for load balancers to notice). The
    /// router hears NOT_SERVING at once over its health Watch; one second covers calls it had already sent.
    /// </summary>
    public TimeSpan DrainDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>After SIGTERM: the longest wait for in-flight requests to finish.</summary>
    public TimeSpan DrainTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Skip the synthetic warm-up request (ready as soon as the model is loaded).</summary>
    public bool SkipWarmup { get; init; }

    /// <summary>How ONNX Runtime runs the model.</summary>
    public ModelOptions ToModelOptions() => new()
    {
        IntraOpThreads = IntraOpThreads,
        InterOpThreads = InterOpThreads,
        OptimizationLevel = OptimizationLevel,
        ExecutionMode = ExecutionMode,
        ExecutionProvider = ExecutionProvider,
    };

    /// <summary>Admission and batching.</summary>
    public EngineOptions ToEngineOptions() => new()
    {
        MaxInFlight = MaxInFlight,
        QueueTimeout = QueueTimeout,
        Batching = Batching,
        MaxBatchSize = MaxBatchSize,
        MaxBatchDelay = MaxBatchDelay,
    };

    /// <summary>The prediction log (--prediction-log); null: off.</summary>
    public PredictionLogOptions? PredictionLog { get; init; }

    /// <summary>The prediction log's sampling draw, uniform in [0, 1) (tests inject a known sequence).</summary>
    public Func<double> PredictionLogRandom { get; init; } = Random.Shared.NextDouble;

    /// <summary>Where the prediction log writes instead of its target (tests: a disk that hangs or is full); null: the target.</summary>
    public Func<ILineSink>? PredictionLogSink { get; init; }
}
