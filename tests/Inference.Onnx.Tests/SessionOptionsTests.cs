using Inference.Onnx.Tests.Support;

namespace Inference.Onnx.Tests;

public sealed class SessionOptionsTests
{
    public static TheoryData<OnnxSessionOptions> Variants => new()
    {
        new OnnxSessionOptions(),
        new OnnxSessionOptions { IntraOpThreads = 1, InterOpThreads = 1 },
        new OnnxSessionOptions { IntraOpThreads = 2, OptimizationLevel = GraphOptimizationLevel.Disabled },
        new OnnxSessionOptions { OptimizationLevel = GraphOptimizationLevel.Basic },
        new OnnxSessionOptions { OptimizationLevel = GraphOptimizationLevel.Extended },
        new OnnxSessionOptions { ExecutionMode = ExecutionMode.Parallel, InterOpThreads = 2 },
        new OnnxSessionOptions { AllowSpinning = true },
        new OnnxSessionOptions { ExecutionProvider = "CPUExecutionProvider" },
        new OnnxSessionOptions
        {
            ConfigEntries = new Dictionary<string, string> { ["session.disable_prepacking"] = "1" },
            LogSeverityLevel = 3,
        },
    };

    [Theory]
    [MemberData(nameof(Variants))]
    public void Options_AreAcceptedAndDoNotChangeResults(OnnxSessionOptions options)
    {
        var expected = IrisExpectation.Load(2);
        using var session = OnnxSession.Create(Models.Iris(2), options);
        using var input = OnnxValue.CreateTensor(expected.FlatInputs.AsMemory(), expected.Shape);

        using var outputs = session.Run([new KeyValuePair<string, OnnxValue>("input", input)]);

        Assert.Same(options, session.Options);
        Assert.Equal(expected.Labels, outputs["label"].GetTensorData<long>().ToArray());
    }

    [Fact]
    public void FromBytes_LoadsTheSameModel()
    {
        using var session = OnnxSession.Create(File.ReadAllBytes(Models.Iris(1)));

        Assert.Equal("input", Assert.Single(session.Inputs).Name);
        Assert.Equal(1, session.GetModelMetadata().Version);
    }

    [Fact]
    public void NegativeThreadCounts_AreRejected() =>
        Assert.Throws<ArgumentOutOfRangeException>(() =>
            OnnxSession.Create(Models.Iris(1), new OnnxSessionOptions { IntraOpThreads = -1 }));
}
