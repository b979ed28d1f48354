namespace Inference.Grpc.Tests.Unit;

public sealed class TimeoutTests
{
    [Theory]
    [InlineData("2H", 2 * 3600_000_000_000L)]
    [InlineData("3M", 3 * 60_000_000_000L)]
    [InlineData("4S", 4_000_000_000L)]
    [InlineData("250m", 250_000_000L)]
    [InlineData("1500u", 1_500_000L)]
    [InlineData("700n", 700L)]
    [InlineData("99999999S", 99_999_999_000_000_000L)]
    [InlineData("0m", 0L)]
    public void TryParse_EachUnit_GivesDuration(string value, long nanoseconds)
    {
        Assert.True(GrpcTimeout.TryParse(value, out var timeout));
        Assert.Equal(nanoseconds / 100, timeout.Ticks);
    }

    [Fact]
    public void TryParse_SubTickNanoseconds_RoundsUpToOneTick()
    {
        Assert.True(GrpcTimeout.TryParse("1n", out var timeout));
        Assert.Equal(1, timeout.Ticks);
    }

    [Theory]
    [InlineData("")]
    [InlineData("S")]
    [InlineData("10")]
    [InlineData("123456789S")]
    [InlineData("10x")]
    [InlineData("10s")]
    [InlineData("-1S")]
    [InlineData("1.5S")]
    [InlineData(" 1S")]
    public void TryParse_Malformed_ReturnsFalse(string value) =>
        Assert.False(GrpcTimeout.TryParse(value, out _));

    [Theory]
    [InlineData(1, "100n")]
    [InlineData(10_000, "1000000n")]
    [InlineData(50_000_000, "5000000u")]
    public void Format_PicksFinestUnitThatFits(long ticks, string expected) =>
        Assert.Equal(expected, GrpcTimeout.Format(TimeSpan.FromTicks(ticks)));

    [Fact]
    public void Format_NonPositive_IsAlreadyExpired() =>
        Assert.Equal("1n", GrpcTimeout.Format(TimeSpan.FromSeconds(-1)));

    [Theory]
    [InlineData(0.5)]
    [InlineData(30)]
    [InlineData(7200)]
    [InlineData(86400 * 400)]
    public void Format_ThenParse_NeverShortensAndFitsEightDigits(double seconds)
    {
        var timeout = TimeSpan.FromSeconds(seconds);
        var text = GrpcTimeout.Format(timeout);

        Assert.InRange(text.Length, 2, 9);
        Assert.True(GrpcTimeout.TryParse(text, out var parsed));
        Assert.True(parsed >= timeout);
        Assert.True(parsed - timeout < TimeSpan.FromSeconds(seconds / 1000 + 1));
    }

    [Fact]
    public void Format_HugeTimeout_ClampsToEightDigitHours()
    {
        var text = GrpcTimeout.Format(TimeSpan.MaxValue);
        Assert.EndsWith("H", text);
        Assert.True(text.Length <= 9);
    }
}
