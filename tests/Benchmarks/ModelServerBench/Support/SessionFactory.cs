using Inference.Onnx;

namespace Inference.Benchmarks.ModelServer.Support;

/// <summary>Session options from the command line; the defaults are the model server's.</summary>
internal static class SessionFactory
{
    public const string Usage = "[--intra-op-threads N (default 0 = ONNX Runtime's choice, as the model server)] [--spinning]";

    public static OnnxSessionOptions Options(Arguments arguments) => new()
    {
        IntraOpThreads = arguments.Int("intra-op-threads", 0, min: 0),
        OptimizationLevel = GraphOptimizationLevel.All,
        ExecutionMode = ExecutionMode.Sequential,
        AllowSpinning = arguments.Flag("spinning"),
    };

    public static string Describe(OnnxSessionOptions options) =>
        $"intra_op={options.IntraOpThreads} spinning={(options.AllowSpinning ? 1 : 0)}";
}
