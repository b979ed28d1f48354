using System.Net;
using System.Text.Json;
using Inference.Client;
using Grpc.Health.V1;
using Inference.Contracts.Oip;
using Grpc.Core;
using ServingStatus = Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus;

namespace Inference.ModelServer.Tests.Functional;

public sealed class HealthAndHttpTests(IrisServerFixture fixture) : IClassFixture<IrisServerFixture>
{
    private TestServer Server => fixture.Server;

    [Theory]
    [InlineData("")]
    [InlineData("inference.GRPCInferenceService")]
    [InlineData("iris")]
    public async Task HealthCheck_KnownServices_AreServing(string service)
    {
        var response = await new Grpc.Health.V1.Health.HealthClient(Server.Channel).CheckAsync(new HealthCheckRequest { Service = service });

        Assert.Equal(ServingStatus.Serving, response.Status);
    }

    [Fact]
    public async Task HealthCheck_UnknownService_IsNotFound()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => new Grpc.Health.V1.Health.HealthClient(Server.Channel).CheckAsync(new HealthCheckRequest { Service = "other" }).ResponseAsync);

        Assert.Equal(StatusCode.NotFound, error.StatusCode);
    }

    [Fact]
    public async Task HealthWatch_StartsWithServing()
    {
        using var watch = new Grpc.Health.V1.Health.HealthClient(Server.Channel).Watch(new HealthCheckRequest { Service = "" });

        Assert.True(await watch.ResponseStream.MoveNext());
        Assert.Equal(ServingStatus.Serving, watch.ResponseStream.Current.Status);
    }

    [Fact]
    public async Task Readyz_IsReadyWithModelIdentity()
    {
        using var response = await Server.Http.GetAsync("/readyz");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var root = json.RootElement;
        Assert.Equal("ready", root.GetProperty("status").GetString());
        Assert.Equal("iris", root.GetProperty("model").GetString());
        Assert.Equal("1", root.GetProperty("version").GetString());
        Assert.Equal(Server.Host.Model.Sha256, root.GetProperty("sha256").GetString());
        Assert.Matches("^[0-9a-f]{64}$", root.GetProperty("sha256").GetString()!);
    }

    [Fact]
    public async Task Healthz_IsAlive()
    {
        using var response = await Server.Http.GetAsync("/healthz");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task GrpcMethodOverHttp1_IsRejected_NotServed()
    {
        using var content = new ByteArrayContent([0, 0, 0, 0, 0]);
        content.Headers.ContentType = new("application/grpc");

        using var response = await Server.Http.PostAsync("/inference.GRPCInferenceService/ServerLive", content);

        Assert.NotEqual(HttpStatusCode.OK, response.StatusCode);
    }
}

/// <summary>Counts on a server of its own, so that other tests' traffic does not change them.</summary>
public sealed class MetricsTests
{
    [Fact]
    public async Task Metrics_AfterTraffic_HaveTheDesignNamesAndValues()
    {
        await using var server = await TestServer.StartAsync(RepoPaths.IrisModel(1));
        var expected = IrisExpected.Load(1);
        for (var i = 0; i < 3; i++)
        {
            await server.Client.ModelInferAsync(new ModelInferRequest { ModelName = "iris" }.AddInput<float>("input", expected.Inputs, [expected.Rows, 4]));
        }

        await Assert.ThrowsAsync<CallFailedException>(() => server.Client.ModelInferAsync(new ModelInferRequest { ModelName = "iris" }.AddInput<float>("input", [1f], [1, 1])));
        await Assert.ThrowsAsync<CallFailedException>(() => server.Client.ModelInferAsync(new ModelInferRequest { ModelName = "other" }));
        await server.Client.ModelMetadataAsync("iris");

        using var response = await server.Http.GetAsync("/metrics");
        Assert.Equal("text/plain; version=0.0.4; charset=utf-8", response.Content.Headers.ContentType?.ToString());
        var metrics = new PrometheusScrape(await response.Content.ReadAsStringAsync());

        (string, string)[] model = [("model", "iris"), ("version", "1")];
        Assert.Equal(3, metrics.Find("inference_requests_total", [.. model, ("method", "ModelInfer"), ("grpc_code", "OK")]));
        Assert.Equal(1, metrics.Find("inference_requests_total", [.. model, ("method", "ModelInfer"), ("grpc_code", "INVALID_ARGUMENT")]));
        Assert.Equal(1, metrics.Find("inference_requests_total", [.. model, ("method", "ModelInfer"), ("grpc_code", "NOT_FOUND")]));
        Assert.Equal(1, metrics.Find("inference_requests_total", [.. model, ("method", "ModelMetadata"), ("grpc_code", "OK")]));
        Assert.Equal(5, metrics.Find("inference_request_duration_seconds_count", [.. model, ("method", "ModelInfer")]));
        Assert.True(metrics.Find("inference_request_duration_seconds_sum", [.. model, ("method", "ModelInfer")]) > 0);
        Assert.Equal(3, metrics.Find("inference_compute_duration_seconds_count", model));
        Assert.True(metrics.Find("inference_compute_duration_seconds_sum", model) > 0);
        Assert.Equal(0, metrics.Find("inference_in_flight", model));

        // Without batching every Run carries one request; the rejected request never ran nor queued.
        Assert.Equal(3, metrics.Find("inference_batch_size_count", model));
        Assert.Equal(3, metrics.Find("inference_batch_size_sum", model));
        Assert.Equal(3, metrics.Find("inference_batch_size_bucket", [.. model, ("le", "1")]));
        Assert.Equal(3, metrics.Find("inference_queue_duration_seconds_count", model));

        // First element of each row: 10 rows x 3 calls; labels 0/1/2 land in the le="0", "1", "2" buckets.
        Assert.Equal(30, metrics.Find("inference_output_value_count", [.. model, ("output", "label")]));
        Assert.Equal(30, metrics.Find("inference_output_value_count", [.. model, ("output", "probabilities")]));
        Assert.Equal(3 * expected.Labels.Sum(), metrics.Find("inference_output_value_sum", [.. model, ("output", "label")]));
        Assert.Equal(3 * expected.Labels.Count(l => l == 0), metrics.Find("inference_output_value_bucket", [.. model, ("output", "label"), ("le", "0")]));
        Assert.Equal(3 * expected.Labels.Count(l => l <= 1), metrics.Find("inference_output_value_bucket", [.. model, ("output", "label"), ("le", "1")]));
        var setosaProbability = Enumerable.Range(0, (int)expected.Rows).Sum(r => (double)expected.Probabilities[r * 3]);
        Assert.Equal(3 * setosaProbability, metrics.Find("inference_output_value_sum", [.. model, ("output", "probabilities")])!.Value, 3);
    }

    [Fact]
    public async Task Metrics_OfTwoServersInOneProcess_AreEachTheirOwn()
    {
        // The same model name and version on both: only the host's own meters tell the series apart.
        await using var called = await TestServer.StartAsync(RepoPaths.IrisModel(1));
        await using var idle = await TestServer.StartAsync(RepoPaths.IrisModel(1));
        for (var i = 0; i < 2; i++)
        {
            await called.Client.ModelInferAsync(new ModelInferRequest { ModelName = "iris" }.AddInput<float>("input", [5.1f, 3.5f, 1.4f, 0.2f], [1, 4]));
        }

        var calledMetrics = new PrometheusScrape(await called.GetMetricsAsync());
        var idleMetrics = new PrometheusScrape(await idle.GetMetricsAsync());

        Assert.Equal(2, calledMetrics.Find("inference_requests_total", ("method", "ModelInfer"), ("grpc_code", "OK")));
        Assert.Equal(2, calledMetrics.Find("inference_compute_duration_seconds_count"));
        Assert.Null(idleMetrics.Find("inference_requests_total", ("method", "ModelInfer"), ("grpc_code", "OK")));
        Assert.Null(idleMetrics.Find("inference_compute_duration_seconds_count"));
        Assert.Equal(0, idleMetrics.Find("inference_in_flight"));
    }
}
