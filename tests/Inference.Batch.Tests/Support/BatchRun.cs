using Inference.Batch.Cli;
using Inference.Batch.Jobs;
using Inference.Testing;

namespace Inference.Batch.Tests.Support;

/// <summary>Runs inference-batch: in this process (<see cref="RunAsync"/>), or as the real executable.</summary>
internal static class BatchRun
{
    /// <summary>Runs the command line in-process; returns the exit code and what it wrote.</summary>
    public static async Task<ProcessResult> RunAsync(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var context = new JobContext { Out = output, Error = error, ErrorIsTerminal = false, Random = new Random(7), OpenInProcess = Scoring.EngineScorer.OpenAsync };
        var exitCode = await BatchApp.RunAsync(args, context, CancellationToken.None);
        return new ProcessResult(exitCode, output.ToString(), error.ToString());
    }

    /// <summary>Runs the command line and fails the test unless it exits 0.</summary>
    public static async Task<ProcessResult> SucceedAsync(params string[] args)
    {
        var result = await RunAsync(args);
        Assert.True(result.ExitCode == 0, $"inference-batch {string.Join(' ', args)}\n{result}");
        return result;
    }

    /// <summary>The built executable with <paramref name="args"/>, as a child process.</summary>
    public static ChildProcess Start(params string[] args) =>
        ChildProcess.StartDotnet("inference-batch", BuiltExecutables.Batch, args);

    /// <summary>The iris scoring arguments against <paramref name="target"/>: input, output and the iris mapping.</summary>
    public static string[] Iris(string target, string input, string output, params string[] more) =>
    [
        "--input", input, "--output", output, "--address", target, "--name", "iris", "--version", "1",
        "--map", "input=sepal_length..petal_width", .. more,
    ];
}
