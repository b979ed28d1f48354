using Inference.Onnx.Tests.Support;

namespace Inference.Onnx.Tests;

/// <summary>The example models agree with the numpy forward pass make_iris.py recorded.</summary>
public sealed class IrisTests
{
    private const float Tolerance = 1e-5f;

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Predictions_MatchNumpyReference(int version)
    {
        var expected = IrisExpectation.Load(version);
        using var session = OnnxSession.Create(Models.Iris(version));
        using var input = OnnxValue.CreateTensor(expected.FlatInputs.AsMemory(), expected.Shape);

        var outputs = new OnnxValue?[2];
        session.Run([0], [input], [0, 1], outputs);
        using var probabilities = outputs[0]!;
        using var labels = outputs[1]!;

        Assert.Equal([expected.Inputs.Length, 3L], probabilities.Shape.ToArray());
        var actual = probabilities.GetTensorData<float>();
        var reference = expected.Probabilities.SelectMany(row => row).ToArray();
        Assert.Equal(reference.Length, actual.Length);
        for (var i = 0; i < reference.Length; i++)
        {
            Assert.True(Math.Abs(reference[i] - actual[i]) <= Tolerance, $"probability {i}: expected {reference[i]}, got {actual[i]}");
        }

        Assert.Equal(expected.Labels, labels.GetTensorData<long>().ToArray());
    }

    [Fact]
    public void Versions_AreDifferentModels()
    {
        var v1 = IrisExpectation.Load(1);
        var v2 = IrisExpectation.Load(2);

        Assert.Equal(v1.Inputs, v2.Inputs);
        Assert.NotEqual(v1.Probabilities[5], v2.Probabilities[5]);
        Assert.Contains(0L, v1.Labels);
        Assert.Contains(1L, v1.Labels);
        Assert.Contains(2L, v1.Labels);
    }

    [Fact]
    public void NamedRun_ReturnsOnlyRequestedOutputs()
    {
        var expected = IrisExpectation.Load(2);
        using var session = OnnxSession.Create(Models.Iris(2));
        using var input = OnnxValue.CreateTensor(expected.FlatInputs.AsMemory(), expected.Shape);

        using var outputs = session.Run([new KeyValuePair<string, OnnxValue>("input", input)], ["label"]);

        Assert.Equal(["label"], outputs.Names);
        Assert.Equal(expected.Labels, outputs[0].GetTensorData<long>().ToArray());
    }

    [Fact]
    public void RunOptions_AreReusable()
    {
        var expected = IrisExpectation.Load(1);
        using var session = OnnxSession.Create(Models.Iris(1));
        using var input = OnnxValue.CreateTensor(expected.FlatInputs.AsMemory(), expected.Shape);
        using var runOptions = new OnnxRunOptions(tag: "iris-test", logSeverityLevel: 3);
        runOptions.AddConfigEntry("memory.enable_memory_arena_shrinkage", "cpu:0");

        for (var i = 0; i < 3; i++)
        {
            var outputs = new OnnxValue?[1];
            session.Run([0], [input], [1], outputs, runOptions, new CancellationTokenSource().Token);
            using var labels = outputs[0]!;
            Assert.Equal(expected.Labels, labels.GetTensorData<long>().ToArray());
        }
    }

    [Fact]
    public void CancelledToken_StopsBeforeRunning()
    {
        using var session = OnnxSession.Create(Models.Iris(1));
        using var input = OnnxValue.CreateTensor(new float[4].AsMemory(), [1, 4]);
        var outputs = new OnnxValue?[1];

        Assert.Throws<OperationCanceledException>(() =>
            session.Run([0], [input], [0], outputs, cancellationToken: new CancellationToken(canceled: true)));
        Assert.Null(outputs[0]);
    }

    [Fact]
    public void RunCancelledWhileRunning_LeavesLaterCancelableRunsUnaffected()
    {
        // The run options a cancelable run uses are kept for later runs, unless its token was cancelled: a Run stopped
        // by ONNX Runtime's terminate flag must not pass that flag on. count_loop with a huge trip count runs until
        // cancelled; a cancel that lands before the Run starts has no ONNX Runtime error inside, and is tried again.
        using var loop = OnnxSession.Create(Models.Fixture("count_loop"), new OnnxSessionOptions { IntraOpThreads = 1 });
        using var trip = OnnxValue.CreateTensor(new[] { long.MaxValue }.AsMemory(), [1]);
        using var x = OnnxValue.CreateTensor(new float[1].AsMemory(), [1]);
        var stoppedWhileRunning = false;
        for (var attempt = 0; attempt < 50 && !stoppedWhileRunning; attempt++)
        {
            using var cancellation = new CancellationTokenSource();
            cancellation.CancelAfter(TimeSpan.FromMilliseconds(1 << Math.Min(attempt, 10)));
            var outputs = new OnnxValue?[1];
            var error = Assert.Throws<OperationCanceledException>(
                () => loop.Run([loop.GetInputIndex("trip"), loop.GetInputIndex("x")], [trip, x], [0], outputs, cancellationToken: cancellation.Token));
            stoppedWhileRunning = error.InnerException is OnnxRuntimeException;
        }

        Assert.True(stoppedWhileRunning, "no Run was cancelled while running");
        var expected = IrisExpectation.Load(1);
        using var session = OnnxSession.Create(Models.Iris(1));
        using var input = OnnxValue.CreateTensor(expected.FlatInputs.AsMemory(), expected.Shape);
        for (var i = 0; i < 4 * Environment.ProcessorCount + 8; i++)
        {
            using var live = new CancellationTokenSource();
            var outputs = new OnnxValue?[1];
            session.Run([0], [input], [1], outputs, cancellationToken: live.Token);
            using var labels = outputs[0]!;
            Assert.Equal(expected.Labels, labels.GetTensorData<long>().ToArray());
        }
    }

    [Fact]
    public void DisposedOutput_RefusesAccess()
    {
        using var session = OnnxSession.Create(Models.Iris(1));
        using var input = OnnxValue.CreateTensor(new float[4].AsMemory(), [1, 4]);
        var outputs = session.Run([new KeyValuePair<string, OnnxValue>("input", input)]);
        var probabilities = outputs["probabilities"];

        outputs.Dispose();

        Assert.Throws<ObjectDisposedException>(() => probabilities.GetTensorBytes().Length);
    }
}
