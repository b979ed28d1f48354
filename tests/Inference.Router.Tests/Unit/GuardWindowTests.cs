using Grpc.Core;
using Inference.Router.Configuration;
using Inference.Router.Guard;

namespace Inference.Router.Tests.Unit;

/// <summary>The guard's window and rules, driven by explicit times (no clock is read).</summary>
public sealed class GuardWindowTests
{
    private const int Control = 0;
    private const int Treatment = 1;

    private static GuardWindow Window(int minRequests = 100, double maxIncrease = 0.02, double maxRatio = 2.0, int windowSeconds = 60) =>
        new(new GuardConfig { Window = TimeSpan.FromSeconds(windowSeconds), MinRequests = minRequests, MaxErrorRateIncrease = maxIncrease, MaxP99LatencyRatio = maxRatio },
            ["control", "treatment"], Control);

    [Theory]
    [InlineData(StatusCode.Unavailable, true)]
    [InlineData(StatusCode.Internal, true)]
    [InlineData(StatusCode.Unknown, true)]
    [InlineData(StatusCode.DeadlineExceeded, true)]
    [InlineData(StatusCode.ResourceExhausted, true)]
    [InlineData(StatusCode.DataLoss, true)]
    [InlineData(StatusCode.OK, false)]
    [InlineData(StatusCode.InvalidArgument, false)]
    [InlineData(StatusCode.NotFound, false)]
    [InlineData(StatusCode.FailedPrecondition, false)]
    [InlineData(StatusCode.Unimplemented, false)]
    public void IsFault_ServerFaultsOnly(StatusCode status, bool fault) => Assert.Equal(fault, ServerFaults.IsFault(status));

    [Fact]
    public void IsJudged_CancelledIsLeftOut()
    {
        Assert.False(ServerFaults.IsJudged(StatusCode.Cancelled));
        Assert.True(ServerFaults.IsJudged(StatusCode.Internal));
    }

    [Fact]
    public void FailingTreatment_TripsExactlyAtMinRequests_Once()
    {
        var window = Window(minRequests: 100);
        for (var i = 0; i < 500; i++)
        {
            Assert.Null(window.Record(Control, fault: false, 0.001, 1.0));
        }

        for (var i = 1; i < 100; i++)
        {
            Assert.Null(window.Record(Treatment, fault: true, 0.001, 1.0));
        }

        var breach = window.Record(Treatment, fault: true, 0.001, 1.0);
        Assert.NotNull(breach);
        Assert.Contains("group 'treatment' server-fault rate 1 (100 of 100 calls)", breach, StringComparison.Ordinal);
        Assert.Contains("control's 0 (0 of 500)", breach, StringComparison.Ordinal);
        Assert.True(window.Tripped);
        Assert.Null(window.Record(Treatment, fault: true, 0.001, 1.0));
    }

    [Fact]
    public void FaultRate_JudgedAgainstControl()
    {
        // Control fails 10 %, treatment 11 %: an increase of 0.01, under the 0.02 allowed.
        var window = Window(minRequests: 100);
        for (var i = 0; i < 1000; i++)
        {
            window.Record(Control, fault: i % 10 == 0, 0.001, 1.0);
        }

        for (var i = 0; i < 1000; i++)
        {
            // Faults spread evenly: 11 in every 100 calls.
            Assert.Null(window.Record(Treatment, fault: (i + 1) * 11 / 100 > i * 11 / 100, 0.001, 1.0));
        }

        // Then 30 % more faults push it over.
        string? breach = null;
        for (var i = 0; i < 300 && breach is null; i++)
        {
            breach = window.Record(Treatment, fault: true, 0.001, 1.0);
        }

        Assert.NotNull(breach);
        Assert.Contains("exceeds control's 0.1 (100 of 1000)", breach, StringComparison.Ordinal);
    }

    [Fact]
    public void CallerMistakes_NeverTrip()
    {
        var window = Window(minRequests: 10);
        for (var i = 0; i < 100; i++)
        {
            window.Record(Control, fault: false, 0.001, 1.0);
        }

        // INVALID_ARGUMENT and NOT_FOUND are recorded as calls without a fault.
        for (var i = 0; i < 10_000; i++)
        {
            Assert.Null(window.Record(Treatment, ServerFaults.IsFault(i % 2 == 0 ? StatusCode.InvalidArgument : StatusCode.NotFound), 0.001, 1.0));
        }

        Assert.False(window.Tripped);
    }

    [Fact]
    public void SlowTreatment_TripsTheLatencyRule()
    {
        var window = Window(minRequests: 50, maxRatio: 2.0);
        for (var i = 0; i < 200; i++)
        {
            window.Record(Control, fault: false, 0.010, 1.0);
        }

        string? breach = null;
        for (var i = 0; i < 50; i++)
        {
            breach = window.Record(Treatment, fault: false, 0.050, 1.0);
            if (i < 49)
            {
                Assert.Null(breach);
            }
        }

        Assert.NotNull(breach);
        Assert.Contains("p99 latency", breach, StringComparison.Ordinal);
        Assert.Contains("more than 2 x control's", breach, StringComparison.Ordinal);
    }

    [Fact]
    public void LatencyWithinTheRatio_DoesNotTrip()
    {
        var window = Window(minRequests: 50, maxRatio: 2.0);
        for (var i = 0; i < 200; i++)
        {
            window.Record(Control, fault: false, 0.010, 1.0);
            Assert.Null(window.Record(Treatment, fault: false, 0.015, 1.0));
        }
    }

    [Fact]
    public void LatencyRule_NeedsEnoughControlCalls()
    {
        var window = Window(minRequests: 50, maxRatio: 2.0);
        for (var i = 0; i < 49; i++)
        {
            window.Record(Control, fault: false, 0.001, 1.0);
        }

        for (var i = 0; i < 200; i++)
        {
            Assert.Null(window.Record(Treatment, fault: false, 1.0, 1.0));
        }
    }

    [Fact]
    public void OldCalls_LeaveTheWindow()
    {
        var window = Window(minRequests: 100, windowSeconds: 60);
        for (var i = 0; i < 99; i++)
        {
            window.Record(Treatment, fault: true, 0.001, 0.0);
        }

        // 61 s later those faults are gone: 99 more are again one short of judging.
        for (var i = 0; i < 99; i++)
        {
            Assert.Null(window.Record(Treatment, fault: true, 0.001, 61.0));
        }

        var figures = window.Figures(61.0);
        Assert.Equal(99, figures[Treatment].Calls);
        Assert.Equal(99, figures[Treatment].Faults);
        Assert.NotNull(window.Record(Treatment, fault: true, 0.001, 61.0));
    }

    [Fact]
    public void Window_SlidesBySlot()
    {
        var window = Window(minRequests: 1000, windowSeconds: 60);
        window.Record(Treatment, fault: true, 0.001, 0.0);   // slot of 0–6 s
        window.Record(Treatment, fault: false, 0.001, 30.0); // slot of 30–36 s
        Assert.Equal(2, window.Figures(59.0)[Treatment].Calls);
        Assert.Equal(1, window.Figures(61.0)[Treatment].Calls);
        Assert.Equal(0, window.Figures(61.0)[Treatment].Faults);
        Assert.Equal(0, window.Figures(500.0)[Treatment].Calls);
    }

    [Fact]
    public void NotJudging_CountsButNeverTrips()
    {
        var window = Window(minRequests: 10);
        for (var i = 0; i < 100; i++)
        {
            Assert.Null(window.Record(Treatment, fault: true, 0.001, 1.0, judge: false));
        }

        Assert.Equal(100, window.Figures(1.0)[Treatment].Faults);
        Assert.False(window.Tripped);
    }

    [Fact]
    public void P99_IsTheBucketOfThe99thPercentile()
    {
        var window = Window();
        for (var i = 0; i < 990; i++)
        {
            window.Record(Control, fault: false, 0.001, 1.0);
        }

        for (var i = 0; i < 10; i++)
        {
            window.Record(Control, fault: false, 1.0, 1.0);
        }

        var p99 = window.Figures(1.0)[Control].P99Seconds;
        Assert.InRange(p99, 0.001, 0.001 * 1.25);
        window.Record(Control, fault: false, 1.0, 1.0);
        Assert.InRange(window.Figures(1.0)[Control].P99Seconds, 1.0, 1.25);
    }
}
