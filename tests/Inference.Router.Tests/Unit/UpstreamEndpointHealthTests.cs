using Inference.Router.Upstream;
using WatchState = Inference.Router.Upstream.UpstreamEndpoint.WatchState;

namespace Inference.Router.Tests.Unit;

public sealed class UpstreamEndpointHealthTests
{
    private static UpstreamEndpoint Endpoint() => new("http://10.0.0.5:8001", "10.0.0.5:8001", null);

    [Fact]
    public void RecordCheck_OneTimeout_KeepsTheEndpoint_TheSecondInARowTakesItOut()
    {
        var endpoint = Endpoint();

        Assert.False(endpoint.RecordCheck(HealthCheckOutcome.Failed));
        Assert.True(endpoint.Healthy);
        Assert.Equal(1, endpoint.CheckFailures);

        Assert.True(endpoint.RecordCheck(HealthCheckOutcome.Failed));
        Assert.False(endpoint.Healthy);
        Assert.False(endpoint.IsAvailable(0));
    }

    [Fact]
    public void RecordCheck_AnAnswerBetweenTimeouts_StartsTheCountAgain()
    {
        var endpoint = Endpoint();

        endpoint.RecordCheck(HealthCheckOutcome.Failed);
        endpoint.RecordCheck(HealthCheckOutcome.Serving);
        endpoint.RecordCheck(HealthCheckOutcome.Failed);

        Assert.True(endpoint.Healthy);
        Assert.Equal(1, endpoint.CheckFailures);
    }

    [Theory]
    [InlineData((int)HealthCheckOutcome.NotServing)]
    [InlineData((int)HealthCheckOutcome.Refused)]
    public void RecordCheck_NotServingOrRefused_TakesTheEndpointOutAtOnce(int outcome)
    {
        var endpoint = Endpoint();

        Assert.True(endpoint.RecordCheck((HealthCheckOutcome)outcome));
        Assert.False(endpoint.Healthy);
    }

    [Fact]
    public void RecordCheck_ServingAfterTwoTimeouts_BringsTheEndpointBackAndEndsAnEjection()
    {
        var endpoint = Endpoint();
        endpoint.RecordCheck(HealthCheckOutcome.Failed);
        endpoint.RecordCheck(HealthCheckOutcome.Failed);
        endpoint.Eject(until: 1_000);

        Assert.True(endpoint.RecordCheck(HealthCheckOutcome.Serving));
        Assert.True(endpoint.IsAvailable(10));
    }

    [Fact]
    public void RecordWatch_NotServing_TakesTheEndpointOut_EvenWhileChecksPass()
    {
        var endpoint = Endpoint();

        Assert.True(endpoint.RecordWatch(WatchState.NotServing));
        Assert.False(endpoint.RecordCheck(HealthCheckOutcome.Serving));

        // A Check answered just before the replica started draining must not bring it back.
        Assert.False(endpoint.Healthy);
        Assert.Equal(WatchState.NotServing, endpoint.Watch);
    }

    [Fact]
    public void RecordWatch_Serving_BringsTheEndpointBack_AndClearsCheckMisses()
    {
        var endpoint = Endpoint();
        endpoint.RecordCheck(HealthCheckOutcome.Failed);
        endpoint.RecordWatch(WatchState.NotServing);

        Assert.True(endpoint.RecordWatch(WatchState.Serving));
        Assert.True(endpoint.Healthy);
        Assert.Equal(0, endpoint.CheckFailures);

        // One more miss is a first miss again, not the second.
        Assert.False(endpoint.RecordCheck(HealthCheckOutcome.Failed));
        Assert.True(endpoint.Healthy);
    }

    [Fact]
    public void RecordWatch_None_LeavesTheVerdictToTheCheck()
    {
        var endpoint = Endpoint();
        endpoint.RecordWatch(WatchState.NotServing);

        Assert.True(endpoint.RecordWatch(WatchState.None));
        Assert.True(endpoint.Healthy);
        Assert.True(endpoint.RecordCheck(HealthCheckOutcome.NotServing));
        Assert.False(endpoint.Healthy);
    }
}
