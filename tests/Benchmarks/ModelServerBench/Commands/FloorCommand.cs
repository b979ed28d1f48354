using System.Diagnostics;
using System.Globalization;
using Inference.Benchmarks.ModelServer.Support;
using Inference.Testing;
using Microsoft.ML.OnnxRuntime;

namespace Inference.Benchmarks.ModelServer.Commands;

/// <summary>
/// The floor: T threads calling <see cref="InferenceSession"/>.Run (Microsoft.ML.OnnxRuntime) on one shared session
/// with a prebuilt input, as fast as they can, every output fetched and disposed. No request decoding, no tensor
/// creation, no response encoding: what is left is ONNX Runtime and its managed API, the most a server could reach
/// on this machine.
/// </summary>
internal static class FloorCommand
{
    public const string Usage =
        "floor --model M [--label NAME] [--threads 1,2] [--batch 1,8] [--seconds 3] [--warmup 1] " + SessionFactory.Usage;

    public static async Task<int> RunAsync(Arguments arguments, CancellationToken cancellationToken)
    {
        var modelPath = arguments.Required("model");
        var threadCounts = arguments.IntList("threads", [1]);
        var batches = arguments.IntList("batch", [1]);
        var seconds = arguments.Double("seconds", 3);
        var warmup = arguments.Double("warmup", 1);
        using var options = SessionFactory.Options(arguments);
        using var session = new InferenceSession(modelPath, options);
        var modelName = arguments.Optional("label", Path.GetFileNameWithoutExtension(modelPath));
        Console.WriteLine(
            $"# floor: {modelPath}, {SessionFactory.Describe(options, arguments)}, {Environment.ProcessorCount} processors, " +
            $"{warmup.ToString(CultureInfo.InvariantCulture)} s warm-up, {seconds.ToString(CultureInfo.InvariantCulture)} s measured");

        // The process with the session loaded and one run done, before the latency buffers exist: the
        // in-process counterpart of the model server's resident size.
        var firstInput = ModelInput.For(session, 1);
        using (var first = firstInput.CreateTensor())
        using (var runOptions = new RunOptions())
        {
            using var outputs = session.Run(runOptions, [firstInput.Name], [first], session.OutputNames);
        }

        Console.WriteLine($"floor-rss model={modelName} rss_kb={ProcFs.StatusKilobytes(Environment.ProcessId, "VmRSS")}");

        foreach (var batch in batches)
        {
            var input = ModelInput.For(session, batch);
            using var tensor = input.CreateTensor();
            foreach (var threads in threadCounts)
            {
                var result = await MeasureAsync(session, input.Name, tensor, threads, warmup, seconds, cancellationToken);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"floor model={modelName} threads={threads} batch={batch} runs={result.Runs} seconds={result.Seconds:F3} " +
                    $"runs_per_s={result.Runs / result.Seconds:F1} rows_per_s={result.Runs * batch / result.Seconds:F1} " +
                    $"mean_us={result.MeanMicroseconds:F1} p50_us={result.P50Microseconds:F1} p99_us={result.P99Microseconds:F1}"));
            }
        }

        return 0;
    }

    private static async Task<FloorResult> MeasureAsync(
        InferenceSession session, string inputName, OrtValue input, int threadCount, double warmup, double seconds, CancellationToken cancellationToken)
    {
        var workers = new FloorWorker[threadCount];
        var threads = new Thread[threadCount];
        for (var i = 0; i < threadCount; i++)
        {
            var worker = workers[i] = new FloorWorker(session, inputName, input);
            threads[i] = new Thread(worker.Loop) { IsBackground = true, Name = $"floor-{i}" };
            threads[i].Start();
        }

        try
        {
            await Task.Delay(TimeSpan.FromSeconds(warmup), cancellationToken);
            var before = workers.Sum(w => w.Runs);
            var start = Stopwatch.GetTimestamp();
            foreach (var worker in workers)
            {
                worker.Recording = true;
            }

            await Task.Delay(TimeSpan.FromSeconds(seconds), cancellationToken);
            foreach (var worker in workers)
            {
                worker.Recording = false;
            }

            var after = workers.Sum(w => w.Runs);
            var elapsed = Stopwatch.GetElapsedTime(start).TotalSeconds;

            var samples = workers.SelectMany(w => w.Samples.Take(w.SampleCount)).ToArray();
            Array.Sort(samples);
            var perMicrosecond = Stopwatch.Frequency / 1e6;
            return new FloorResult(
                after - before,
                elapsed,
                samples.Length == 0 ? 0 : samples.Average() / perMicrosecond,
                Percentile(samples, 0.50) / perMicrosecond,
                Percentile(samples, 0.99) / perMicrosecond);
        }
        finally
        {
            foreach (var worker in workers)
            {
                worker.Stop = true;
            }

            foreach (var thread in threads)
            {
                thread.Join();
            }

            foreach (var worker in workers)
            {
                worker.Failure?.Throw();
            }
        }
    }

    private static double Percentile(long[] sorted, double quantile) =>
        sorted.Length == 0 ? 0 : sorted[Math.Min(sorted.Length - 1, (int)(quantile * sorted.Length))];
}
