using System.Diagnostics;
using System.Runtime.ExceptionServices;
using Microsoft.ML.OnnxRuntime;

namespace Inference.Benchmarks.ModelServer.Support;

/// <summary>
/// One floor thread: Run on the shared session with a prebuilt input until stopped, every output
/// fetched and disposed. Counts every run; keeps the latency of runs made while recording.
/// </summary>
internal sealed class FloorWorker(InferenceSession session, string inputName, OrtValue input)
{
    // Latencies kept for percentiles; runs beyond this are still counted.
    private const int LatencySamples = 1 << 20;

    private long _runs;
    private volatile bool _recording;
    private volatile bool _stop;

    public long[] Samples { get; } = new long[LatencySamples];

    public int SampleCount { get; private set; }

    public long Runs => Volatile.Read(ref _runs);

    public bool Recording { set => _recording = value; }

    public bool Stop { set => _stop = value; }

    public ExceptionDispatchInfo? Failure { get; private set; }

    public void Loop()
    {
        try
        {
            var inputNames = new[] { inputName };
            var inputs = new[] { input };
            var outputNames = session.OutputNames.ToArray();
            using var runOptions = new RunOptions();
            while (!_stop)
            {
                var start = Stopwatch.GetTimestamp();
                using (session.Run(runOptions, inputNames, inputs, outputNames))
                {
                }

                var end = Stopwatch.GetTimestamp();
                if (_recording && SampleCount < Samples.Length)
                {
                    Samples[SampleCount++] = end - start;
                }

                Volatile.Write(ref _runs, _runs + 1);
            }
        }
        catch (Exception exception)
        {
            Failure = ExceptionDispatchInfo.Capture(exception);
        }
    }
}
