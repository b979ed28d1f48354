using Inference.ModelServer.Memory;
using Microsoft.Extensions.Logging.Abstractions;

namespace Inference.ModelServer.Tests.Unit;

public sealed class MemoryBudgetTests
{
    private const long MiB = 1024 * 1024;

    [Fact]
    public void TryReserve_TakesWhatFits_AndReleaseGivesItBack()
    {
        using var budget = new MemoryBudget(100, null, new ManualTimeProvider(), NullLogger<MemoryBudget>.Instance);

        Assert.True(budget.TryReserve(60));
        Assert.False(budget.TryReserve(41));
        Assert.Equal(60, budget.InFlight);
        Assert.True(budget.TryReserve(40));
        Assert.False(budget.TryReserve(1));

        budget.Release(60);
        Assert.Equal(40, budget.InFlight);
        Assert.True(budget.TryReserve(60));
        Assert.False(budget.TryReserve(long.MaxValue));
    }

    [Fact]
    public void DefaultLimit_IsAQuarterOfTheMemoryTheGcMayUse() =>
        Assert.Equal(192 * MiB, MemoryBudget.DefaultLimit(768 * MiB));

    [Fact]
    public void AfterABurst_AQuietPeriodReturnsTheMemory()
    {
        var time = new ManualTimeProvider();
        using var budget = new MemoryBudget(1024 * MiB, null, time, NullLogger<MemoryBudget>.Instance);
        Burst(budget, 40 * MiB);

        time.Advance(MemoryBudget.QuietPeriod - TimeSpan.FromMilliseconds(1));
        Assert.Equal(0, budget.Trims);
        time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(1, budget.Trims);

        // Once per burst.
        time.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(1, budget.Trims);
    }

    [Fact]
    public void SmallBursts_AndSmallRequestsMeanwhile_DoNotKeepTheMemoryOrPreventItsReturn()
    {
        var time = new ManualTimeProvider();
        using var budget = new MemoryBudget(1024 * MiB, null, time, NullLogger<MemoryBudget>.Instance);
        Burst(budget, 16 * MiB);
        time.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(0, budget.Trims);

        Burst(budget, 16 * MiB);
        Assert.True(budget.TryReserve(1000), "a small request arrives during the quiet period");
        time.Advance(MemoryBudget.QuietPeriod);
        Assert.Equal(1, budget.Trims);
    }

    [Fact]
    public void ALargeRequestDuringTheQuietPeriod_PostponesTheReturn()
    {
        var time = new ManualTimeProvider();
        using var budget = new MemoryBudget(1024 * MiB, null, time, NullLogger<MemoryBudget>.Instance);
        Burst(budget, 40 * MiB);
        Burst(budget, 2 * MiB);

        time.Advance(MemoryBudget.QuietPeriod);
        Assert.Equal(0, budget.Trims);

        // The burst's next release that leaves the budget nearly empty schedules it again.
        Burst(budget, 1000);
        time.Advance(MemoryBudget.QuietPeriod);
        Assert.Equal(1, budget.Trims);
    }

    private static void Burst(MemoryBudget budget, long bytes)
    {
        Assert.True(budget.TryReserve(bytes));
        budget.Release(bytes);
    }
}
