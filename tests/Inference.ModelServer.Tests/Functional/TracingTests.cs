using System.Diagnostics;
using Grpc.Core;
using Grpc.Net.Client;
using Inference.Client;
using Inference.Contracts.Oip;
using OpenTelemetry.Trace;

namespace Inference.ModelServer.Tests.Functional;

/// <summary>W3C trace context: a caller's <c>traceparent</c> continues in the server's span of the call.</summary>
public sealed class TracingTests
{
    [Fact]
    public async Task CallersTraceparent_ContinuesInTheServerSpan()
    {
        var spans = new List<Activity>();
        await using var server = await TestServer.StartAsync(TestServer.Options(RepoPaths.IrisModel(1)), tracing: tracing => tracing.AddInMemoryExporter(spans));
        var traceId = ActivityTraceId.CreateRandom();
        var parentId = ActivitySpanId.CreateRandom();
        // The handler must send the header as given, not one of this process's own.
        using var channel = GrpcChannel.ForAddress(server.Host.GrpcAddress, new GrpcChannelOptions
        {
            HttpHandler = new SocketsHttpHandler { ActivityHeadersPropagator = DistributedContextPropagator.CreateNoOutputPropagator() },
        });
        var client = new OipTestClient(channel);

        await client.ModelInferAsync(
            new ModelInferRequest { ModelName = "iris" }.AddInput<float>("input", [5.1f, 3.5f, 1.4f, 0.2f], [1, 4]),
            OipTestClient.With(new Metadata { { "traceparent", $"00-{traceId}-{parentId}-01" } }));

        await Wait.UntilAsync(() => { lock (spans) { return spans.Any(s => s.TraceId == traceId); } }, "the call's span to be exported");
        Activity span;
        lock (spans)
        {
            span = spans.Single(s => s.TraceId == traceId);
        }

        Assert.Equal(parentId, span.ParentSpanId);
        Assert.Equal(ActivityKind.Server, span.Kind);
        Assert.Contains("ModelInfer", span.DisplayName, StringComparison.Ordinal);
    }
}
