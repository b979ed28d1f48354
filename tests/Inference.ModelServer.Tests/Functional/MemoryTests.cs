using System.Globalization;
using System.Text.RegularExpressions;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using Inference.Client;
using Inference.Contracts.Oip;

namespace Inference.ModelServer.Tests.Functional;

/// <summary>
/// The real executable with large requests: under a heap limit, concurrent maximum-size requests are answered or
/// refused with RESOURCE_EXHAUSTED (the memory budget), never UNKNOWN or an out-of-memory INTERNAL; and after a burst
/// the process gives its memory back. Bounds are on the process's resident memory (Linux /proc), generous for a noisy
/// machine, and far from what a server that keeps its buffers shows.
/// </summary>
public sealed partial class MemoryTests
{
    private const int MiB = 1024 * 1024;
    private const int MessageSize = 16 * MiB;

    // The iris model's outputs: 3 probabilities (FP32) and a label (INT64) per row of 4 FP32 inputs.
    private const int ResponseSize = MessageSize / 16 * 20;

    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(5);

    [Fact]
    public async Task ConcurrentMaximumSizeRequests_UnderAHeapLimit_AreAnsweredOrResourceExhausted()
    {
        // 160 MiB of heap: the default budget (a quarter: 40 MiB) admits two 16 MiB requests at once. Without a
        // budget, four at once need more than the heap has.
        await using var server = await StartAsync(new Dictionary<string, string?> { ["DOTNET_GCHeapHardLimit"] = "0xA000000" });
        using var channel = LargeMessageChannel(server.GrpcAddress);
        var client = new GRPCInferenceService.GRPCInferenceServiceClient(channel);
        var request = LargestRequest();

        for (var round = 0; round < 2; round++)
        {
            var calls = Enumerable.Range(0, 4).Select(_ => StatusOfAsync(client, request)).ToArray();
            var statuses = await Task.WhenAll(calls).WaitAsync(Timeout);

            // Refused by the budget, before the message is read; never an out-of-memory failure while it is handled.
            Assert.All(statuses, s => Assert.True(
                s.StatusCode == StatusCode.OK || (s.StatusCode == StatusCode.ResourceExhausted && s.Detail.Contains("memory budget for requests in flight", StringComparison.Ordinal)),
                $"{s.StatusCode}: {s.Detail}"));
            Assert.Contains(statuses, s => s.StatusCode == StatusCode.OK);
        }

        // Still serving, and nothing went wrong inside.
        var small = await client.ModelInferAsync(IrisRows(1));
        Assert.Single(small.GetOutput<long>("label").Data);
        Assert.DoesNotContain("OutOfMemory", server.Process.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("Out of memory", server.Process.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("fail:", server.Process.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AfterABurstOfLargeRequests_TheProcessGivesItsMemoryBack()
    {
        await using var server = await StartAsync(null);
        using var channel = LargeMessageChannel(server.GrpcAddress);
        var client = new GRPCInferenceService.GRPCInferenceServiceClient(channel);
        var request = LargestRequest();
        var idle = Memory(server).Resident;

        // One request and its response (16 MiB in, 20 MiB out): the peak stays within about twice their sizes (a server
        // that copies the outputs into a response message before writing them needs more than 2.5 times).
        Assert.Equal(StatusCode.OK, (await StatusOfAsync(client, request)).StatusCode);
        var first = Memory(server).Peak - idle;
        Assert.True(first < 2.2 * (MessageSize + ResponseSize), $"the first request's peak is {first / MiB} MiB over {idle / MiB} MiB idle");

        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(StatusCode.OK, (await StatusOfAsync(client, request)).StatusCode);
        }

        var concurrent = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => StatusOfAsync(client, request))).WaitAsync(Timeout);
        Assert.All(concurrent, s => Assert.Equal(StatusCode.OK, s.StatusCode));

        // Once the burst is over the memory goes back (a quiet second after it: idle blocks dropped, free native pages
        // returned, one compacting collection): at least half of what the burst took above idle. A server that keeps its
        // buffers stays near its peak; on a loaded machine one that returns them has been seen up to a third of the
        // way back, so the bound is half.
        await server.Process.WaitForLineAsync(MemoryReturnedLine(), Timeout);
        var peak = Memory(server).Peak;
        await Wait.UntilAsync(
            () => Memory(server).Resident < idle + (peak - idle) / 2,
            $"the resident memory to come back below half of the burst's {(peak - idle) / MiB} MiB over its {idle / MiB} MiB before the burst (now {Memory(server).Resident / MiB} MiB)");
    }

    private static Task<ModelServerProcess> StartAsync(IReadOnlyDictionary<string, string?>? environment) =>
        ModelServerProcess.StartAsync(
            environment, RepoPaths.IrisModel(1), "iris", "1", "--max-receive-message-size", MessageSize.ToString(CultureInfo.InvariantCulture));

    private static GrpcChannel LargeMessageChannel(Uri address) =>
        GrpcChannel.ForAddress(address, new GrpcChannelOptions { MaxSendMessageSize = null, MaxReceiveMessageSize = null });

    /// <summary>The largest iris request the server takes: raw contents of as many rows as fit in the message size.</summary>
    private static ModelInferRequest LargestRequest()
    {
        var rows = (MessageSize - 64) / 16;
        var request = IrisRows(rows);
        Assert.InRange(request.CalculateSize(), MessageSize - 128, MessageSize);
        return request;
    }

    private static ModelInferRequest IrisRows(int rows)
    {
        var request = new ModelInferRequest { ModelName = "iris" };
        request.Inputs.Add(new ModelInferRequest.Types.InferInputTensor { Name = "input", Datatype = "FP32", Shape = { rows, 4 } });
        var bytes = new byte[rows * 16];
        // 1.0f everywhere: a valid flower, whatever it is.
        for (var i = 0; i < bytes.Length; i += 4)
        {
            bytes[i + 2] = 0x80;
            bytes[i + 3] = 0x3f;
        }

        request.RawInputContents.Add(UnsafeByteOperations.UnsafeWrap(bytes));
        return request;
    }

    private static async Task<Status> StatusOfAsync(GRPCInferenceService.GRPCInferenceServiceClient client, ModelInferRequest request)
    {
        try
        {
            using var call = client.ModelInferAsync(request, deadline: DateTime.UtcNow.Add(Timeout));
            var response = await call;
            Assert.Equal(request.Inputs[0].Shape[0], response.Outputs[1].Shape[0]);
            return Status.DefaultSuccess;
        }
        catch (RpcException error)
        {
            return error.Status;
        }
    }

    /// <summary>The process's resident memory now and at its peak (VmRSS, VmHWM), in bytes.</summary>
    private static (long Resident, long Peak) Memory(ModelServerProcess server)
    {
        var status = File.ReadAllText($"/proc/{server.Process.Id}/status");
        return (Kilobytes(status, "VmRSS") * 1024, Kilobytes(status, "VmHWM") * 1024);

        static long Kilobytes(string status, string field) =>
            long.Parse(ProcStatusField().Matches(status).Single(m => m.Groups[1].Value == field).Groups[2].Value, CultureInfo.InvariantCulture);
    }

    [GeneratedRegex(@"Memory returned after a burst of \d+ bytes of requests")]
    private static partial Regex MemoryReturnedLine();

    [GeneratedRegex(@"^(\w+):\s+(\d+) kB", RegexOptions.Multiline)]
    private static partial Regex ProcStatusField();
}
