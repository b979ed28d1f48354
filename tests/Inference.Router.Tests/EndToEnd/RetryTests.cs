using Inference.Contracts;
using Inference.Contracts.Oip;
using Inference.Router.Tests.Fakes;
using Inference.Router.Tests.Infrastructure;
using Inference.Router.Tests.Peers;

namespace Inference.Router.Tests.EndToEnd;

/// <summary>
/// The retry rule against an upstream scripted frame by frame: a call is sent again, to another endpoint of the same
/// version, only when the upstream never processed it — a stream it refused (REFUSED_STREAM) or left above a GOAWAY's
/// last stream id, whose body the router still holds — and never when the upstream may have processed it.
/// </summary>
public sealed class RetryTests : IAsyncLifetime
{
    private const string Infer = "/inference.GRPCInferenceService/ModelInfer";

    // The scripted peer is the version's first endpoint, always tried first (FirstChoiceRandom); no health checks, so
    // the only streams it sees are the calls.
    private const string NoHealthChecks = """{"healthCheckIntervalSeconds": 0}""";

    private readonly GrpcTestClient _client = new();
    private readonly ScriptedH2Server _scripted = new();
    private FakeOipBackend _fallback = null!;
    private FakeOipBackend _v2 = null!;

    public async Task InitializeAsync()
    {
        _fallback = await FakeOipBackend.StartAsync("iris", "1", replica: "iris-1-b");
        _fallback.RecordBodies = true;
        _v2 = await FakeOipBackend.StartAsync("iris", "2");
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _scripted.DisposeAsync();
        await _fallback.DisposeAsync();
        await _v2.DisposeAsync();
    }

    private Task<TestRouter> StartRouterAsync() =>
        TestRouter.StartAsync(Configs.Iris([_scripted.Url, _fallback.Url], [_v2.Url], 100, 0, extra: NoHealthChecks), random: new FirstChoiceRandom());

    /// <summary>Calls with <paramref name="body"/>; the scripted endpoint reads the whole request and refuses its stream.</summary>
    private async Task<(GrpcCallResult Result, byte[] Received)> RefusedOnceAsync(TestRouter router, byte[] body)
    {
        var call = _client.CallRawAsync(router.GrpcUrl, Infer, body);
        using var connection = await _scripted.AcceptAsync();
        var (stream, received) = await connection.ReadRequestAsync();
        await connection.WriteRstStreamAsync(stream, ScriptedH2Connection.RefusedStream);
        _ = connection.DrainAsync();
        return (await call, received);
    }

    [Fact]
    public async Task RefusedStream_IsSentAgainWhole_ToAnotherEndpointOfTheVersion()
    {
        await using var router = await StartRouterAsync();
        var body = InferBodies.Random("refused", 20_000);

        var (result, received) = await RefusedOnceAsync(router, body);

        Assert.True(body.AsSpan().SequenceEqual(received), "the refused attempt did not carry the whole body");
        Assert.Equal((0, "1", "control"), (result.Status, result.Header(InferenceHeaders.ModelVersion), result.Header(InferenceHeaders.ExperimentGroup)));
        Assert.Equal("iris-1-b", ModelInferResponse.Parser.ParseFrom(result.Payload).Id);
        Assert.True(_fallback.Bodies.TryGetValue("refused", out var forwarded), "the retry did not reach the other endpoint");
        Assert.True(body.AsSpan().SequenceEqual(forwarded), "the retried body differs from the one sent");
        await router.Logs.WaitForAsync(TimeSpan.FromSeconds(10), _scripted.Url, "retrying on another endpoint");
    }

    [Fact]
    public async Task StreamAboveTheLastStreamIdOfAGoAway_IsSentAgainWhole_WhenTheServerHasGone()
    {
        // A model server shutting down gracefully: GOAWAY naming the last stream it will process (none here), then
        // its listener closes, so the client's own attempt to send the stream again cannot connect.
        await using var router = await StartRouterAsync();
        var body = InferBodies.Random("going-away", 3_000);
        var call = _client.CallRawAsync(router.GrpcUrl, Infer, body);

        using var connection = await _scripted.AcceptAsync();
        var (stream, _) = await connection.ReadRequestAsync();
        _scripted.StopListening();
        // The last stream id is below the call's: it was not processed.
        await connection.WriteGoAwayAsync(stream - 1, ScriptedH2Connection.NoError);
        var closed = connection.CloseAsync();
        var result = await call;
        await closed;

        Assert.Equal((0, "1"), (result.Status, result.Header(InferenceHeaders.ModelVersion)));
        Assert.Equal("iris-1-b", ModelInferResponse.Parser.ParseFrom(result.Payload).Id);
        Assert.True(_fallback.Bodies.TryGetValue("going-away", out var forwarded), "the retry did not reach the other endpoint");
        Assert.True(body.AsSpan().SequenceEqual(forwarded), "the retried body differs from the one sent");
    }

    [Fact]
    public async Task RefusedStream_WithABodyTooLargeToHold_IsNotSentAgain()
    {
        await using var router = await StartRouterAsync();
        var body = InferBodies.Random("too-large", 300_000);
        Assert.True(body.Length > 64 * 1024);

        var (result, received) = await RefusedOnceAsync(router, body);

        Assert.Equal(body.Length, received.Length);
        Assert.Equal((14, "1", "control"), (result.Status, result.Header(InferenceHeaders.ModelVersion), result.Header(InferenceHeaders.ExperimentGroup)));
        Assert.Contains("refused the stream unprocessed", result.Message, StringComparison.Ordinal);
        Assert.Equal(0, _fallback.Requests);
    }

    [Fact]
    public async Task ConnectionLostAfterTheRequestWasSent_IsNotSentAgain()
    {
        // The upstream may have processed the call: sending it again could run it twice.
        await using var router = await StartRouterAsync();
        var call = _client.CallRawAsync(router.GrpcUrl, Infer, InferBodies.Random("maybe-processed", 100));

        using (var connection = await _scripted.AcceptAsync())
        {
            await connection.ReadRequestAsync();
            connection.Drop();
        }

        var result = await call;

        Assert.Equal((14, "1", "control"), (result.Status, result.Header(InferenceHeaders.ModelVersion), result.Header(InferenceHeaders.ExperimentGroup)));
        Assert.Contains(_scripted.Url, result.Message, StringComparison.Ordinal);
        Assert.Equal(0, _fallback.Requests);
        await router.Logs.WaitForAsync(TimeSpan.FromSeconds(10), _scripted.Url, "not retried");
    }
}
