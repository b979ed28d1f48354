using Microsoft.ML.OnnxRuntime;
using Inference.ModelServer.Configuration;

namespace Inference.ModelServer.Tests.Unit;

public sealed class CommandLineTests
{
    [Fact]
    public void RequiredOnly_GivesTheDesignDefaults()
    {
        var options = CommandLine.Parse(["--model", "m.onnx", "--name", "iris", "--version", "2"], out var error, out var help);

        Assert.Null(error);
        Assert.False(help);
        Assert.NotNull(options);
        Assert.Equal(("m.onnx", "iris", "2"), (options.ModelPath, options.ModelName, options.ModelVersion));
        Assert.Equal(("0.0.0.0", 8001, 8002), (options.Host, options.GrpcPort, options.HttpPort));
        Assert.False(options.Batching);
        Assert.Equal((0, 0), (options.IntraOpThreads, options.InterOpThreads));
        Assert.Equal(GraphOptimizationLevel.ORT_ENABLE_ALL, options.OptimizationLevel);
        Assert.Equal(ExecutionMode.ORT_SEQUENTIAL, options.ExecutionMode);
        Assert.Equal("CPU", options.ExecutionProvider);
        // Long enough for a router that watches health to stop sending before connections close.
        Assert.Equal(TimeSpan.FromSeconds(1), options.DrainDelay);
    }

    [Fact]
    public void Extras_AreParsed_InBothSpellings()
    {
        var options = CommandLine.Parse(
            ["--model=m.onnx", "--name", "iris", "--version", "1", "--host", "127.0.0.1", "--port", "0", "--http-port=0",
             "--max-in-flight", "7", "--queue-timeout-ms", "250", "--batching", "--max-batch-size", "16", "--max-batch-delay-us", "800",
             "--intra-op-threads", "2", "--max-receive-message-size", "1048576", "--drain-delay-ms", "1500", "--drain-timeout-ms", "9000", "--no-warmup",
             "--inter-op-threads=3", "--graph-optimization-level", "extended", "--execution-mode", "parallel", "--execution-provider", "openvino"],
            out var error,
            out _);

        Assert.Null(error);
        Assert.NotNull(options);
        Assert.Equal(("127.0.0.1", 0, 0), (options.Host, options.GrpcPort, options.HttpPort));
        Assert.Equal(7, options.MaxInFlight);
        Assert.Equal(TimeSpan.FromMilliseconds(250), options.QueueTimeout);
        Assert.True(options.Batching);
        Assert.Equal(16, options.MaxBatchSize);
        Assert.Equal(TimeSpan.FromMicroseconds(800), options.MaxBatchDelay);
        Assert.Equal(2, options.IntraOpThreads);
        Assert.Equal(1048576, options.MaxReceiveMessageSize);
        Assert.Equal(TimeSpan.FromMilliseconds(1500), options.DrainDelay);
        Assert.Equal(TimeSpan.FromMilliseconds(9000), options.DrainTimeout);
        Assert.True(options.SkipWarmup);
        Assert.Equal(3, options.InterOpThreads);
        Assert.Equal(GraphOptimizationLevel.ORT_ENABLE_EXTENDED, options.OptimizationLevel);
        Assert.Equal(ExecutionMode.ORT_PARALLEL, options.ExecutionMode);
        Assert.Equal("openvino", options.ExecutionProvider);
    }

    [Theory]
    [InlineData("disable", GraphOptimizationLevel.ORT_DISABLE_ALL)]
    [InlineData("basic", GraphOptimizationLevel.ORT_ENABLE_BASIC)]
    [InlineData("extended", GraphOptimizationLevel.ORT_ENABLE_EXTENDED)]
    [InlineData("ALL", GraphOptimizationLevel.ORT_ENABLE_ALL)]
    public void GraphOptimizationLevel_TakesEveryName(string name, GraphOptimizationLevel expected)
    {
        var options = CommandLine.Parse(["--model", "m", "--name", "n", "--version", "1", "--graph-optimization-level", name], out var error, out _);

        Assert.Null(error);
        Assert.Equal(expected, options!.OptimizationLevel);
    }

    [Fact]
    public void Batching_WithoutMaxInFlight_AdmitsTwoBatches()
    {
        var options = CommandLine.Parse(["--model", "m.onnx", "--name", "iris", "--version", "1", "--batching", "--max-batch-size", "48"], out var error, out _);

        Assert.Null(error);
        Assert.NotNull(options);
        Assert.Equal(Math.Max(96, Environment.ProcessorCount * 4), options.MaxInFlight);
        Assert.Equal(Math.Max(4, Environment.ProcessorCount * 4),
            CommandLine.Parse(["--model", "m.onnx", "--name", "iris", "--version", "1"], out _, out _)!.MaxInFlight);
    }

    [Theory]
    [InlineData(new[] { "--name", "iris" }, "Missing required options: --model, --version")]
    [InlineData(new[] { "--model", "m", "--name", "n", "--version", "1", "--port", "70000" }, "--port must be an integer from 0 to 65535")]
    [InlineData(new[] { "--model", "m", "--name", "n", "--version", "1", "--max-in-flight", "0" }, "--max-in-flight must be an integer from 1")]
    [InlineData(new[] { "--model", "m", "--name", "n", "--version", "1", "--bogus", "1" }, "Unknown option '--bogus'")]
    [InlineData(new[] { "--model", "m", "--name", "n", "--version", "1", "--bogus" }, "Unknown option '--bogus'")]
    [InlineData(new[] { "--model", "m", "--name", "n", "--version", "1", "--host", "example.invalid" }, "--host must be an IP address (or localhost)")]
    [InlineData(new[] { "--bogus", "--model", "m", "--name", "n", "--version", "1" }, "Unknown option '--bogus'")]
    [InlineData(new[] { "--model", "m", "--name", "n", "--version" }, "--version needs a value")]
    [InlineData(new[] { "model.onnx" }, "Unexpected argument 'model.onnx'")]
    [InlineData(new[] { "--model", "m", "--name", "n", "--version", "1", "--graph-optimization-level", "max" }, "--graph-optimization-level must be one of disable, basic, extended, all, not 'max'")]
    [InlineData(new[] { "--model", "m", "--name", "n", "--version", "1", "--execution-mode", "concurrent" }, "--execution-mode must be one of sequential, parallel, not 'concurrent'")]
    [InlineData(new[] { "--model", "m", "--name", "n", "--version", "1", "--inter-op-threads", "-1" }, "--inter-op-threads must be an integer from 0 to 1024")]
    [InlineData(new[] { "--model", "m", "--name", "n", "--version", "1", "--execution-provider", "" }, "--execution-provider must be a provider name")]
    [InlineData(new[] { "--model", "m", "--name", "n", "--version", "1", "--execution-provider" }, "--execution-provider needs a value")]
    public void Mistakes_AreReported(string[] args, string expected)
    {
        var options = CommandLine.Parse(args, out var error, out _);

        Assert.Null(options);
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }

    [Fact]
    public void Help_IsRecognised()
    {
        Assert.Null(CommandLine.Parse(["--help"], out _, out var help));
        Assert.True(help);
        Assert.Contains("--max-batch-delay-us", CommandLine.Usage, StringComparison.Ordinal);
        foreach (var flag in new[] { "--inter-op-threads", "--graph-optimization-level", "--execution-mode", "--execution-provider" })
        {
            Assert.Contains(flag, CommandLine.Usage, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void PredictionLogFlags_SetTheLog_AndItIsOffWithoutThem()
    {
        var options = CommandLine.Parse(
            ["--model", "m.onnx", "--name", "iris", "--version", "1", "--prediction-log", "/var/log/predictions", "--prediction-log-sample=0.2",
             "--prediction-log-max-bytes", "4096", "--prediction-log-max-files", "3"],
            out var error,
            out _);
        var off = CommandLine.Parse(["--model", "m.onnx", "--name", "iris", "--version", "1"], out _, out _);

        Assert.Null(error);
        Assert.Equal("/var/log/predictions", options!.PredictionLog!.Target);
        Assert.Equal((0.2, 4096L, 3), (options.PredictionLog.SampleRate, options.PredictionLog.MaxFileBytes, options.PredictionLog.MaxFiles));
        Assert.Null(off!.PredictionLog);
    }

    [Theory]
    [InlineData("--prediction-log-sample", "1.5", "from 0 to 1")]
    [InlineData("--prediction-log-sample", "-0.1", "from 0 to 1")]
    [InlineData("--prediction-log-max-files", "0", "--prediction-log-max-files")]
    public void PredictionLogFlags_OutOfRange_AreErrors(string flag, string value, string message)
    {
        var options = CommandLine.Parse(["--model", "m.onnx", "--name", "iris", "--version", "1", flag, value], out var error, out _);

        Assert.Null(options);
        Assert.Contains(message, error, StringComparison.Ordinal);
    }
}
