using System.Diagnostics;
using System.Runtime.ExceptionServices;
using Inference.Onnx;

namespace Inference.Benchmarks.ModelServer.Support;

/// <summary>
/// One floor thread: Run on the shared session with a prebuilt input until stopped, every output
/// fetched and disposed. Counts every run; keeps the latency of runs made while recording.
/// </summary>
internal sealed class FloorWorker(OnnxSession session, OnnxValue input)
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
            Span<int> inputIndices = [0];
            var inputs = new[] { input };
            var outputIndices = Enumerable.Range(0, session.Outputs.Count).ToArray();
            var outputs = new OnnxValue?[outputIndices.Length];
            while (!_stop)
            {
                var start = Stopwatch.GetTimestamp();
                session.Run(inputIndices, inputs, outputIndices, outputs);
                for (var i = 0; i < outputs.Length; i++)
                {
                    outputs[i]!.Dispose();
                    outputs[i] = null;
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
