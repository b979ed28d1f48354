using Inference.Router.Routing;
using Inference.Router.Upstream;

namespace Inference.Router.Tests.Unit;

public sealed class VersionPoolTests
{
    private const long Now = 1_000;

    private static (VersionPool Pool, UpstreamEndpoint A, UpstreamEndpoint B) Pool()
    {
        var pool = new VersionPool("iris", "1", [new Uri("http://10.0.0.5:8001"), new Uri("http://10.0.0.6:8001")]);
        var a = new UpstreamEndpoint("http://10.0.0.5:8001", "10.0.0.5:8001", null);
        var b = new UpstreamEndpoint("http://10.0.0.6:8001", "10.0.0.6:8001", null);
        pool.SetEndpoints([a, b]);
        return (pool, a, b);
    }

    [Fact]
    public void Pick_AnAvailableEndpointExists_NeverPicksAnEjectedOne()
    {
        var (pool, a, b) = Pool();
        b.Eject(Now + 10_000);
        for (var seed = 0; seed < 50; seed++)
        {
            Assert.Same(a, pool.Pick(new SeededRandom(seed), Now, null, null, out var panic));
            Assert.False(panic);
        }
    }

    [Fact]
    public void Pick_AllEjected_FallsBackToAHealthyEjectedEndpoint_InPanicMode()
    {
        var (pool, a, b) = Pool();
        a.Eject(Now + 10_000);
        b.Eject(Now + 10_000);
        var picked = new HashSet<UpstreamEndpoint>();
        for (var seed = 0; seed < 50; seed++)
        {
            picked.Add(pool.Pick(new SeededRandom(seed), Now, null, null, out var panic)!);
            Assert.True(panic);
        }

        Assert.Equal(2, picked.Count);
    }

    [Fact]
    public void Pick_PanicMode_SkipsEndpointsFailingHealthChecks_AndThoseThatFailedThisRequest()
    {
        var (pool, a, b) = Pool();
        a.RecordCheck(HealthCheckOutcome.NotServing);
        a.Eject(Now + 10_000);
        b.Eject(Now + 10_000);
        for (var seed = 0; seed < 50; seed++)
        {
            Assert.Same(b, pool.Pick(new SeededRandom(seed), Now, null, null, out var panic));
            Assert.True(panic);
        }

        // b already failed this request: nothing is left, and a (unhealthy) is still not a candidate.
        Assert.Null(pool.Pick(new SeededRandom(0), Now, b, null, out var none));
        Assert.False(none);
    }

    [Fact]
    public void Pick_UnhealthyAndNotEjected_IsNeverPicked()
    {
        var (pool, a, b) = Pool();
        a.RecordCheck(HealthCheckOutcome.NotServing);
        b.RecordCheck(HealthCheckOutcome.Refused);
        Assert.Null(pool.Pick(new SeededRandom(1), Now, null, null, out var panic));
        Assert.False(panic);
        Assert.False(pool.CanServe());
    }

    [Fact]
    public void PanicState_IsEnteredAndLeftOnce()
    {
        var (pool, _, _) = Pool();
        Assert.True(pool.EnterPanic());
        Assert.False(pool.EnterPanic());
        Assert.True(pool.Panicking);
        Assert.True(pool.LeavePanic());
        Assert.False(pool.LeavePanic());
        Assert.False(pool.Panicking);
    }

    private sealed class SeededRandom(int seed) : IRandomSource
    {
        private readonly Random _random = new(seed);

        public int Next(int maxExclusive) => _random.Next(maxExclusive);
    }
}
