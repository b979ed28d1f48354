using Inference.Onnx.Tests.Support;

namespace Inference.Onnx.Tests;

public sealed class ConcurrencyTests
{
    [Fact]
    public async Task Run_FromSeveralThreads_GivesEachCallerItsOwnResult()
    {
        var expected = IrisExpectation.Load(2);
        using var session = OnnxSession.Create(Models.Iris(2), new OnnxSessionOptions { IntraOpThreads = 1 });
        using var runOptions = new OnnxRunOptions(tag: "concurrent");
        const int Threads = 4;
        const int RunsPerThread = 50;

        var workers = Enumerable.Range(0, Threads).Select(worker => Task.Factory.StartNew(
            () =>
            {
                var mismatches = 0;
                for (var run = 0; run < RunsPerThread; run++)
                {
                    // Each call classifies a different single sample, so crossed results would show.
                    var row = (worker + run) % expected.Inputs.Length;
                    using var input = OnnxValue.CreateTensor(expected.Inputs[row].AsMemory(), [1, 4]);
                    var outputs = new OnnxValue?[1];
                    session.Run([0], [input], [1], outputs, runOptions);
                    using var label = outputs[0]!;
                    if (label.GetTensorData<long>()[0] != expected.Labels[row])
                    {
                        mismatches++;
                    }
                }

                return mismatches;
            },
            CancellationToken.None,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default)).ToArray();

        var results = await Task.WhenAll(workers);

        Assert.All(results, mismatches => Assert.Equal(0, mismatches));
    }
}
