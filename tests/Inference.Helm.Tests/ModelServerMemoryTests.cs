using System.Globalization;
using System.Text.Json.Nodes;
using Inference.Helm.Tests.Support;

namespace Inference.Helm.Tests;

/// <summary>
/// A model server's memory limit, heap limit, largest request and budget of requests in flight agree: derived in
/// one place (the chart's memory helper) from resources.limits.memory and modelServer.memory, and refused at render
/// time when they cannot work.
/// </summary>
public sealed class ModelServerMemoryTests
{
    private const long MiB = 1024 * 1024;

    private const string Iris = ModelServerTests.OneVersion;

    public static TheoryData<string, string> Refused => new()
    {
        // A quarter of half of 256Mi is 32Mi: the default 64Mi request would never be admitted.
        { Version("resources: {limits: {memory: 256Mi}}"), "is below the largest request message (memory.maxMessageSize, 67108864 bytes), which would never be admitted" },
        { Version("memory: {maxInFlightBytes: 400Mi}"), "memory.maxInFlightBytes (419430400 bytes) is more than half the heap (536870912 bytes, 50% of limits.memory 1Gi)" },
        { Version("memory: {modelSize: 600Mi}"), "cannot hold the model file (memory.modelSize, 629145600 bytes) plus 64Mi while it is loaded" },
        { Version("memory: {heapPercent: 85}"), "outside the heap, limits.memory 1Gi leaves 161061274 bytes" },
        { Version("memory: {maxMessageSize: 3Gi}"), "memory.maxMessageSize (3Gi) must be from 1 byte to 2 GiB - 1" },
        { Iris + "modelServer: {memory: {heapPercent: 95}}\n", "modelServer.memory.heapPercent: must be <= 90" },
    };

    [PeerTheory(Peers.GoRenderer)]
    [MemberData(nameof(ChartCases.All), MemberType = typeof(ChartCases))]
    public async Task MemorySettings_EveryChartCase_FitTheMemoryLimit(string chartCase) =>
        AssertMemoryAgrees(await ChartCases.RenderAsync(chartCase));

    [PeerFact(Peers.GoRenderer)]
    public async Task MemorySettings_Defaults_GiveHalfTheLimitToTheHeapAndAQuarterOfItToRequests()
    {
        var chart = await ChartRenderer.RenderYamlAsync(Iris);

        var memory = Memory.Of(chart, "iris", "1");

        Assert.Equal((1024 * MiB, 512 * MiB, 128 * MiB, 64 * MiB), (memory.Limit, memory.Heap, memory.Budget, memory.MaxMessage));
        AssertMemoryAgrees(chart);
    }

    [PeerFact(Peers.GoRenderer)]
    public async Task MemorySettings_OfAVersion_OverrideTheModelServers()
    {
        var chart = await ChartRenderer.RenderYamlAsync(Iris.Replace(
            "\"1\": {artifact:",
            "\"1\": {resources: {limits: {memory: 4Gi}}, memory: {heapPercent: 60, maxMessageSize: 256Mi, maxInFlightBytes: 512Mi, modelSize: 1Gi}, artifact:"));

        var memory = Memory.Of(chart, "iris", "1");

        Assert.Equal((4096 * MiB, 4096 * MiB * 60 / 100, 512 * MiB, 256 * MiB), (memory.Limit, memory.Heap, memory.Budget, memory.MaxMessage));
        AssertMemoryAgrees(chart);
    }

    [PeerTheory(Peers.GoRenderer)]
    [MemberData(nameof(Refused))]
    public async Task MemorySettings_ThatCannotWork_AreRefusedWithAReason(string values, string reason)
    {
        var error = await Assert.ThrowsAsync<RenderFailedException>(() => ChartRenderer.RenderYamlAsync(values));

        Assert.Contains(reason, error.Message);
    }

    private static string Version(string settings) => Iris.Replace("\"1\": {artifact:", $"\"1\": {{{settings}, artifact:");

    /// <summary>
    /// The sizing rule of the chart README, checked on what was rendered: the heap is the configured share of the limit;
    /// the budget admits the largest request and is at most half the heap (a request costs about twice its size there
    /// while it is decoded); the heap can hold the model file while it loads; outside the heap, the limit leaves room
    /// for the model's weights, the tensors of the requests in flight (about the budget) and 100Mi for the runtime.
    /// </summary>
    private static void AssertMemoryAgrees(RenderedChart chart)
    {
        foreach (var (model, version, spec) in chart.ModelVersions)
        {
            var memory = Memory.Of(chart, model, version);
            var settings = Effective(chart.Values["modelServer"]!["memory"]!.AsObject(), spec["memory"]?.AsObject());
            var modelSize = Quantity.Bytes(settings["modelSize"]!);
            var what = $"{model} {version}: limit {memory.Limit}, heap {memory.Heap}, budget {memory.Budget}, message {memory.MaxMessage}";

            Assert.True(memory.Heap == memory.Limit * settings["heapPercent"]!.GetValue<int>() / 100, what);
            if (settings["maxInFlightBytes"] is null)
            {
                Assert.True(memory.Budget == memory.Heap / 4, what);
            }

            Assert.True(memory.MaxMessage == Quantity.Bytes(settings["maxMessageSize"]!), what);
            Assert.True(memory.Budget >= memory.MaxMessage, what);
            Assert.True(2 * memory.Budget <= memory.Heap, what);
            Assert.True(memory.Heap >= modelSize + 64 * MiB, what);
            Assert.True(memory.Limit - memory.Heap >= modelSize + memory.Budget + 100 * MiB, what);
        }
    }

    private static JsonObject Effective(JsonObject defaults, JsonObject? version)
    {
        var merged = defaults.DeepClone().AsObject();
        foreach (var (key, value) in version ?? [])
        {
            merged[key] = value?.DeepClone();
        }

        return merged;
    }

    private sealed record Memory(long Limit, long Heap, long Budget, long MaxMessage)
    {
        public static Memory Of(RenderedChart chart, string model, string version)
        {
            var container = Assert.Single(ModelServerTests.ModelServerPod(chart, model, version).Containers);
            var args = container["args"]!.AsArray().Select(a => a!.GetValue<string>()).ToList();
            var env = container["env"]!.AsArray().Select(e => e!.AsObject()).ToList();
            var heap = Assert.Single(env, e => e["name"]!.GetValue<string>() == "DOTNET_GCHeapHardLimit")["value"]!.GetValue<string>();
            Assert.StartsWith("0x", heap, StringComparison.Ordinal);
            return new Memory(
                Quantity.Bytes(container["resources"]!["limits"]!["memory"]!),
                long.Parse(heap[2..], NumberStyles.HexNumber, CultureInfo.InvariantCulture),
                long.Parse(Argument(args, "--max-in-flight-bytes"), CultureInfo.InvariantCulture),
                long.Parse(Argument(args, "--max-receive-message-size"), CultureInfo.InvariantCulture));
        }

        private static string Argument(List<string> args, string name)
        {
            var index = args.IndexOf(name);
            Assert.True(index >= 0 && index + 1 < args.Count, $"{name} is not among {string.Join(' ', args)}");
            return args[index + 1];
        }
    }
}
