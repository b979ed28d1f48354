using Inference.Router.Hosting;

namespace Inference.Router.Tests.Unit;

public sealed class CommandLineTests
{
    [Fact]
    public void Parse_AllFlags()
    {
        var tokenFile = Path.GetTempFileName();
        File.WriteAllText(tokenFile, "  from-file \n");
        var options = CommandLine.Parse(
            ["--config", "r.json", "--host", "127.0.0.1", "--port=0", "--admin-port", "9", "--admin-token-file", tokenFile, "--state-file", "s.json"],
            _ => "from-env");
        Assert.Equal(("r.json", "127.0.0.1", 0, 9, "from-file", "s.json"), (options.ConfigPath, options.Host, options.Port, options.AdminPort, options.AdminToken, options.StateFile));
        // Kept so the running router re-reads it when the Secret behind it is rotated.
        Assert.Equal(tokenFile, options.AdminTokenFile);
    }

    [Fact]
    public void Parse_Defaults_TokenFromEnvironment()
    {
        var options = CommandLine.Parse(["--config", "r.json"], name => name == "ROUTER_ADMIN_TOKEN" ? "env-token" : null);
        Assert.Equal(("0.0.0.0", 8080, 8081, "env-token"), (options.Host, options.Port, options.AdminPort, options.AdminToken));
        // The chart's preStop-free drain: Kubernetes keeps routing to a terminating pod for a few seconds.
        Assert.Equal(TimeSpan.FromSeconds(5), options.DrainDelay);
        Assert.Equal(TimeSpan.Zero, CommandLine.Parse(["--config", "r.json", "--drain-delay-ms", "0"], _ => null).DrainDelay);
        Assert.Equal(
            (64 * 1024 * 1024, TimeSpan.FromSeconds(30), 10_000L, 4L * 1024 * 1024, 1024L * 1024, 64L * 1024),
            (options.Limits.MaxReceiveMessageSize, options.Limits.FirstMessageTimeout, options.Limits.MaxConnections, options.Limits.MaxConfigBytes, options.Limits.MaxStateBytes, options.Limits.MaxAdminBodyBytes));
        Assert.Null(CommandLine.Parse(["--config", "r.json"], _ => null).AdminToken);
        Assert.Null(options.AdminTokenFile);
    }

    [Fact]
    public void Parse_TracingIsOn_ExactlyWhenAnOtlpEndpointIsSet()
    {
        Assert.False(CommandLine.Parse(["--config", "r.json"], _ => null).Tracing);
        Assert.False(CommandLine.Parse(["--config", "r.json"], name => name == "OTEL_EXPORTER_OTLP_ENDPOINT" ? "" : null).Tracing);
        Assert.True(CommandLine.Parse(["--config", "r.json"], name => name == "OTEL_EXPORTER_OTLP_ENDPOINT" ? "http://collector:4317" : null).Tracing);
    }

    [Fact]
    public void Parse_Limits()
    {
        var limits = CommandLine.Parse(
            ["--config", "r.json", "--max-receive-message-size", "1000", "--first-message-timeout-ms", "250", "--max-connections", "7",
                "--max-config-bytes", "2000", "--max-state-bytes", "3000", "--max-admin-body-bytes=4000"],
            _ => null).Limits;
        Assert.Equal(
            (1000, TimeSpan.FromMilliseconds(250), 7L, 2000L, 3000L, 4000L),
            (limits.MaxReceiveMessageSize, limits.FirstMessageTimeout, limits.MaxConnections, limits.MaxConfigBytes, limits.MaxStateBytes, limits.MaxAdminBodyBytes));
    }

    [Theory]
    [InlineData(new[] { "--config", "a", "--max-receive-message-size", "0" }, "--max-receive-message-size must be a whole number from 1")]
    [InlineData(new[] { "--config", "a", "--first-message-timeout-ms", "x" }, "--first-message-timeout-ms must be a whole number")]
    [InlineData(new[] { "--port", "1" }, "--config is required")]
    [InlineData(new[] { "--config", "a", "--port", "70000" }, "port number")]
    [InlineData(new[] { "--config", "a", "--bogus" }, "unknown argument")]
    [InlineData(new[] { "--config" }, "needs a value")]
    [InlineData(new[] { "--config", "a", "--port", "5", "--admin-port", "5" }, "must differ")]
    [InlineData(new[] { "--config", "a", "--drain-delay-ms", "-1" }, "--drain-delay-ms must be milliseconds")]
    [InlineData(new[] { "--config", "a", "--drain-delay-ms", "700000" }, "--drain-delay-ms must be milliseconds")]
    [InlineData(new[] { "--config", "a", "--upstream-client", "sockets" }, "unknown argument '--upstream-client'")]
    public void Parse_Mistakes_AreUsageErrors(string[] args, string reason)
    {
        var ex = Assert.Throws<UsageException>(() => CommandLine.Parse(args, _ => null));
        Assert.Contains(reason, ex.Message, StringComparison.Ordinal);
    }
}
