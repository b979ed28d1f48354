using Microsoft.ML.OnnxRuntime;

namespace Inference.Benchmarks.ModelServer.Support;

/// <summary>Session options from the command line; the defaults are the model server's.</summary>
internal static class SessionFactory
{
    public const string Usage = "[--intra-op-threads N (default 0 = ONNX Runtime's choice, as the model server)] [--spinning]";

    public static SessionOptions Options(Arguments arguments)
    {
        var options = new SessionOptions
        {
            IntraOpNumThreads = arguments.Int("intra-op-threads", 0, min: 0),
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
        };
        var spinning = arguments.Flag("spinning") ? "1" : "0";
        options.AddSessionConfigEntry("session.intra_op.allow_spinning", spinning);
        options.AddSessionConfigEntry("session.inter_op.allow_spinning", spinning);
        return options;
    }

    public static string Describe(SessionOptions options, Arguments arguments) =>
        $"intra_op={options.IntraOpNumThreads} spinning={(arguments.Flag("spinning") ? 1 : 0)} onnxruntime={OrtEnv.Instance().GetVersionString()}";
}
