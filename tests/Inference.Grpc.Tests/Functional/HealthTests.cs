using Inference.Contracts.Health;
using Inference.Grpc.Client;
using ServingStatus = Inference.Contracts.Health.HealthCheckResponse.Types.ServingStatus;

namespace Inference.Grpc.Tests.Functional;

public sealed class HealthTests
{
    [Fact]
    public async Task Check_WholeServerAndNamedService()
    {
        await using var server = await TestServer.StartAsync();
        using var channel = GrpcChannel.ForAddress(server.H2cAddress);
        var health = new HealthClient(channel);
        server.Health.SetStatus("inference.GRPCInferenceService", ServingStatus.NotServing);

        Assert.Equal(ServingStatus.Serving, (await health.CheckAsync(new HealthCheckRequest())).Status);
        Assert.Equal(ServingStatus.NotServing, (await health.CheckAsync(new HealthCheckRequest { Service = "inference.GRPCInferenceService" })).Status);
    }

    [Fact]
    public async Task Check_UnknownService_IsNotFound()
    {
        await using var server = await TestServer.StartAsync();
        using var channel = GrpcChannel.ForAddress(server.H2cAddress);

        var ex = await Assert.ThrowsAsync<GrpcException>(() => new HealthClient(channel).CheckAsync(new HealthCheckRequest { Service = "nope" }));
        Assert.Equal(StatusCode.NotFound, ex.StatusCode);
    }

    [Fact]
    public async Task Watch_SendsCurrentThenEachChange()
    {
        await using var server = await TestServer.StartAsync();
        using var channel = GrpcChannel.ForAddress(server.H2cAddress);
        server.Health.SetStatus("svc", ServingStatus.NotServing);
        using var call = new HealthClient(channel).Watch(new HealthCheckRequest { Service = "svc" });

        Assert.True(await call.ResponseStream.MoveNextAsync());
        Assert.Equal(ServingStatus.NotServing, call.ResponseStream.Current.Status);
        server.Health.SetStatus("svc", ServingStatus.Serving);
        Assert.True(await call.ResponseStream.MoveNextAsync());
        Assert.Equal(ServingStatus.Serving, call.ResponseStream.Current.Status);
        server.Health.ClearStatus("svc");
        Assert.True(await call.ResponseStream.MoveNextAsync());
        Assert.Equal(ServingStatus.ServiceUnknown, call.ResponseStream.Current.Status);
    }

    [Fact]
    public async Task Watch_UnknownService_IsServiceUnknownUntilSet()
    {
        await using var server = await TestServer.StartAsync();
        using var channel = GrpcChannel.ForAddress(server.H2cAddress);
        using var call = new HealthClient(channel).Watch(new HealthCheckRequest { Service = "later" });

        Assert.True(await call.ResponseStream.MoveNextAsync());
        Assert.Equal(ServingStatus.ServiceUnknown, call.ResponseStream.Current.Status);
        server.Health.SetStatus("later", ServingStatus.Serving);
        Assert.True(await call.ResponseStream.MoveNextAsync());
        Assert.Equal(ServingStatus.Serving, call.ResponseStream.Current.Status);
    }

    [Fact]
    public async Task SetAllStatuses_NotServing_ReachesWholeServer()
    {
        await using var server = await TestServer.StartAsync();
        using var channel = GrpcChannel.ForAddress(server.H2cAddress);
        server.Health.SetAllStatuses(ServingStatus.NotServing);

        Assert.Equal(ServingStatus.NotServing, (await new HealthClient(channel).CheckAsync(new HealthCheckRequest())).Status);
    }

    [Fact]
    public async Task Shutdown_WatchersSeeNotServingAndTheirCallsEndWithOk()
    {
        await using var server = await TestServer.StartAsync();
        using var channel = GrpcChannel.ForAddress(server.H2cAddress);
        using var call = new HealthClient(channel).Watch(new HealthCheckRequest());
        Assert.True(await call.ResponseStream.MoveNextAsync());
        Assert.Equal(ServingStatus.Serving, call.ResponseStream.Current.Status);

        server.Health.Shutdown();

        Assert.True(await call.ResponseStream.MoveNextAsync());
        Assert.Equal(ServingStatus.NotServing, call.ResponseStream.Current.Status);
        Assert.False(await call.ResponseStream.MoveNextAsync());
        Assert.Equal(StatusCode.OK, call.GetStatus().StatusCode);
    }
}
