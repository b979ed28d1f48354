using System.Buffers.Binary;
using System.Text;
using Google.Protobuf;
using Inference.Contracts;
using Inference.Contracts.Oip;
using Inference.Router.Hosting;
using Inference.Router.Tests.Infrastructure;
using Microsoft.Extensions.Logging;

namespace Inference.Router.Tests.EndToEnd;

/// <summary>
/// What an outside probe of the router found, as regression tests: hostile and stalled request bodies, client text
/// that cannot be a header, huge configuration and state files, clients that abort.
/// </summary>
public sealed class ProbeRegressionTests : IrisBackendTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Theory]
    [InlineData(0x7fffffffu)]
    [InlineData(64u * 1024 * 1024 + 1)]
    public async Task DeclaredLengthAboveTheMaximum_StreamLeftOpen_IsResourceExhaustedAtOnce_AndNothingIsForwarded(uint declared)
    {
        await using var router = await TestRouter.StartAsync(Configs.Iris([V1.Url], [V2.Url], 100, 0));
        var prefix = new byte[5 + 16];
        BinaryPrimitives.WriteUInt32BigEndian(prefix.AsSpan(1), declared);
        new ModelInferRequest { ModelName = "iris" }.ToByteArray().CopyTo(prefix, 5);

        var result = await Client.CallContentAsync(router.GrpcUrl, Infer, new StalledContent(prefix), timeout: Patience);

        Assert.Equal(8, result.Status);
        Assert.Contains("exceeds the maximum configured message size", result.Message, StringComparison.Ordinal);
        Assert.Equal(0, V1.Requests);
    }

    [Fact]
    public async Task FirstMessageCutInsideTheNameField_ThenStalled_GetsDeadlineExceededAfterTheFirstMessageTimeout()
    {
        await using var router = await TestRouter.StartAsync(Configs.Iris([V1.Url], [V2.Url], 100, 0), limits: new RouterLimits { FirstMessageTimeout = TimeSpan.FromMilliseconds(300) });
        var whole = GrpcTestClient.Frame(new ModelInferRequest { ModelName = "iris-with-a-long-name", Id = "x" });

        // The frame header, the name's tag and length, and half of the name.
        var result = await Client.CallContentAsync(router.GrpcUrl, Infer, new StalledContent(whole[..12]), timeout: Patience);

        Assert.Equal(4, result.Status);
        Assert.Contains("first message did not arrive within 300 ms", result.Message, StringComparison.Ordinal);
        Assert.Equal(0, V1.Requests);
    }

    [Fact]
    public async Task ManyStalledHalfMessages_HoldNoUpstreamStream_AndEachGetsAStatus()
    {
        await using var router = await TestRouter.StartAsync(Configs.Iris([V1.Url], [V2.Url], 100, 0), limits: new RouterLimits { FirstMessageTimeout = TimeSpan.FromMilliseconds(500) });
        // The model name is complete; the rest of the message never comes.
        var whole = InferBodies.Random("stalled", 2_000);

        var calls = Enumerable.Range(0, 100).Select(_ => Client.CallContentAsync(router.GrpcUrl, Infer, new StalledContent(whole[..(whole.Length / 2)]), timeout: Patience)).ToArray();
        var results = await Task.WhenAll(calls);

        Assert.All(results, r => Assert.Equal(4, r.Status));
        Assert.Equal(0, V1.Requests);
        var fine = await Client.CallRawAsync(router.GrpcUrl, Infer, whole);
        Assert.Equal((0, 1), (fine.Status, V1.Requests));
    }

    [Theory]
    [InlineData("caf\u00e9", "caf\\u00e9")]
    [InlineData("\u4e2d", "\\u4e2d")]
    [InlineData("iris\r\nx-forged: 1", "iris\\u000d\\u000ax-forged: 1")]
    [InlineData("ir\0is", "ir\\u0000is")]
    public async Task NameThatCannotBeAHeader_IsNotFound_WithTheNameEscaped_AndNoErrorLogged(string name, string escaped)
    {
        await using var router = await TestRouter.StartAsync(Configs.Iris([V1.Url], [V2.Url], 100, 0));

        var model = await Client.CallAsync(router.GrpcUrl, Infer, new ModelInferRequest { ModelName = name });
        var version = await Client.CallAsync(router.GrpcUrl, Infer, new ModelInferRequest { ModelName = "iris", ModelVersion = name });

        Assert.Equal((5, escaped), (model.Status, model.Header(InferenceHeaders.ModelName)));
        Assert.Contains($"model '{escaped}'", model.Message, StringComparison.Ordinal);
        Assert.Equal((5, escaped, "iris"), (version.Status, version.Header(InferenceHeaders.ModelVersion), version.Header(InferenceHeaders.ModelName)));
        Assert.DoesNotContain(router.Logs.Lines, l => l.StartsWith("Error", StringComparison.Ordinal) || l.StartsWith("Critical", StringComparison.Ordinal));
        Assert.Equal(0, V1.Requests);
    }

    [Fact]
    public async Task NameLongerThanAnyModelName_IsInvalidArgument_NeverInternal()
    {
        await using var router = await TestRouter.StartAsync(Configs.Iris([V1.Url], [V2.Url], 100, 0));

        var result = await Client.CallAsync(router.GrpcUrl, Infer, new ModelInferRequest { ModelName = new string('n', 8 * 1024) });

        Assert.Equal(3, result.Status);
        Assert.Contains("longer than 256 bytes", result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ClientAbortingDuringThePeek_IsLoggedAtDebug_WithoutAStackTrace()
    {
        await using var router = await TestRouter.StartAsync(Configs.Iris([V1.Url], [V2.Url], 100, 0), configureLogs: logs => logs.MinimumLevel = LogLevel.Debug);
        var whole = GrpcTestClient.Frame(new ModelInferRequest { ModelName = "iris", Id = "x" });
        var content = new StalledContent(whole[..8]);
        using var abort = new CancellationTokenSource();

        var call = Client.CallContentAsync(router.GrpcUrl, Infer, content, cancellationToken: abort.Token);
        await content.Sent;
        await abort.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);
        var line = await router.Logs.WaitForAsync(Patience, "Debug:", "[105]", "aborted");
        Assert.DoesNotContain("\n", line, StringComparison.Ordinal);
        Assert.DoesNotContain(router.Logs.Lines, l => l.StartsWith("Error", StringComparison.Ordinal) || l.Contains("   at ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ConfigFileOf40Megabytes_IsRejectedAndCounted_TheRunningConfigStays_AndTheNextGoodFileApplies()
    {
        await using var router = await TestRouter.StartAsync(Configs.Iris([V1.Url], [V2.Url], 90, 10));
        // Valid JSON (weights 10/90) padded past 40 MB: without a size limit it would be read whole and applied.
        var huge = new StringBuilder(Configs.Iris([V1.Url], [V2.Url], 10, 90), 41 * 1024 * 1024);
        huge.Append(' ', 40 * 1024 * 1024);
        await router.ReplaceConfigAsync(huge.ToString());

        await router.Logs.WaitForAsync(Patience, "rejected", "larger than the limit of 4194304 bytes (--max-config-bytes)");
        Assert.Equal(1, await router.MetricAsync("router_config_reloads_total{result=\"rejected\"}"));
        Assert.Equal(90, (await router.GetModelsAsync()).GetProperty("models").GetProperty("iris").GetProperty("experiment").GetProperty("weights").GetProperty("control").GetDecimal());

        await router.ReplaceConfigAsync(Configs.Iris([V1.Url], [V2.Url], 30, 70));
        await Inference.Testing.Wait.UntilAsync(
            async () => (await router.GetModelsAsync()).GetProperty("models").GetProperty("iris").GetProperty("experiment").GetProperty("weights").GetProperty("control").GetDecimal() == 30,
            "the next good file to apply", (int)Patience.TotalSeconds);
    }

    [Fact]
    public async Task StateFileOverTheLimit_IsLoggedAndSkippedAtStart()
    {
        using var scratch = new Inference.Testing.TempDirectory("router");
        var stateFile = scratch.File("state.json");
        // Well-formed weights for the running experiment, padded past the 1 MiB limit: without it, they would be restored.
        await using (var first = await TestRouter.StartAsync(Configs.Iris([V1.Url], [V2.Url], 90, 10), directory: scratch.Path, stateFile: stateFile))
        {
            Assert.True((await first.PutWeightsAsync("iris", """{"control": 20, "treatment": 80}""")).IsSuccessStatusCode);
        }

        await File.AppendAllTextAsync(stateFile, new string(' ', 2 * 1024 * 1024));
        await using var router = await TestRouter.StartAsync("", directory: scratch.Path, stateFile: stateFile);

        await router.Logs.WaitForAsync(Patience, "Could not read the state file", "larger than the limit of 1048576 bytes (--max-state-bytes)");
        Assert.Equal(90, (await router.GetModelsAsync()).GetProperty("models").GetProperty("iris").GetProperty("experiment").GetProperty("weights").GetProperty("control").GetDecimal());
        Assert.Equal(0, (await Client.CallAsync(router.GrpcUrl, Infer, new ModelInferRequest { ModelName = "iris" })).Status);
    }

    [Fact]
    public async Task CorruptStateFile_IsLoggedAndSkippedAtStart()
    {
        using var scratch = new Inference.Testing.TempDirectory("router");
        var stateFile = scratch.File("state.json");
        await File.WriteAllBytesAsync(stateFile, [0x7B, 0x22, 0xFF, 0x00, 0x01]);

        await using var router = await TestRouter.StartAsync(Configs.Iris([V1.Url], [V2.Url], 90, 10), directory: scratch.Path, stateFile: stateFile);

        await router.Logs.WaitForAsync(Patience, "Could not read the state file");
        Assert.Equal(0, (await Client.CallAsync(router.GrpcUrl, Infer, new ModelInferRequest { ModelName = "iris" })).Status);
    }
}
