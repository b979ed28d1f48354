using Inference.Experiments.Tests.Infrastructure;

namespace Inference.Experiments.Tests.Unit;

public sealed class UsageTests
{
    [Theory]
    [InlineData("no command given")]
    [InlineData("unknown command 'frobnicate'", "frobnicate", "--admin", "http://127.0.0.1:1")]
    [InlineData("no router instance given", "status")]
    [InlineData("set needs at least one <group>=<weight>", "set", "iris", "--admin", "http://127.0.0.1:1")]
    [InlineData("set needs a model", "set", "--admin", "http://127.0.0.1:1")]
    [InlineData("the weight of group 'treatment' must be a non-negative number, not '-5'", "set", "iris", "treatment=-5", "--admin", "http://127.0.0.1:1")]
    [InlineData("the weight of group 'treatment' must be a non-negative number, not 'lots'", "set", "iris", "treatment=lots", "--admin", "http://127.0.0.1:1")]
    [InlineData("weights are given as <group>=<weight>", "set", "iris", "treatment", "--admin", "http://127.0.0.1:1")]
    [InlineData("group 'control' is given twice", "set", "iris", "control=1", "control=2", "--admin", "http://127.0.0.1:1")]
    [InlineData("rollback needs a model", "rollback", "--admin", "http://127.0.0.1:1")]
    [InlineData("rollback takes one model", "rollback", "a", "b", "--admin", "http://127.0.0.1:1")]
    [InlineData("status takes at most one model", "status", "a", "b", "--admin", "http://127.0.0.1:1")]
    [InlineData("--dry-run applies to 'set' only", "rollback", "iris", "--dry-run", "--admin", "http://127.0.0.1:1")]
    [InlineData("--force applies to 'set' only", "status", "--force", "--admin", "http://127.0.0.1:1")]
    [InlineData("--admin takes a router admin address", "status", "--admin", "ftp://127.0.0.1:1")]
    [InlineData("--admin takes a router admin address", "status", "--admin", "10.0.0.1:8081")]
    [InlineData("--admin-dns takes <name>:<port>", "status", "--admin-dns", "router-admin")]
    [InlineData("--admin-dns takes <name>:<port>", "status", "--admin-dns", "router-admin:99999")]
    [InlineData("--admin needs a value", "status", "--admin")]
    [InlineData("--timeout takes seconds", "status", "--timeout", "0", "--admin", "http://127.0.0.1:1")]
    [InlineData("unknown option '--weights'", "set", "iris", "--weights", "a=1", "--admin", "http://127.0.0.1:1")]
    [InlineData("cannot read --token-file", "status", "--token-file", "/nonexistent/token", "--admin", "http://127.0.0.1:1")]
    public async Task Run_WrongCommandLine_Exits2AndSaysWhy(string reason, params string[] args)
    {
        var result = await Tool.RunAsync(args);

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.StartsWith("error: ", result.Error, StringComparison.Ordinal);
        Assert.Contains(reason, result.Error, StringComparison.Ordinal);
        Assert.Contains("Usage: inference-exp", result.Error, StringComparison.Ordinal);
        Assert.Equal("", result.Out);
    }

    [Theory]
    [InlineData("Usage: inference-exp set <model>", "set", "iris", "a=1", "--timeout", "soon", "--admin", "http://127.0.0.1:1")]
    [InlineData("Usage: inference-exp rollback <model>", "rollback", "iris", "--admin-dns", "router-admin")]
    [InlineData("Usage: inference-exp status [model]", "status", "--bogus")]
    public async Task Run_OptionError_ShowsTheUsageOfTheCommandGiven(string usage, params string[] args)
    {
        var result = await Tool.RunAsync(args);

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains(usage, result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_EmptyTokenFile_IsAUsageError()
    {
        var file = Path.GetTempFileName();
        try
        {
            await File.WriteAllTextAsync(file, " \n");
            var result = await Tool.RunAsync("status", "--token-file", file, "--admin", "http://127.0.0.1:1");

            Assert.True(result.ExitCode == 2, result.ToString());
            Assert.Contains("is empty", result.Error, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Theory]
    [InlineData("Usage: inference-exp <command>", "--help")]
    [InlineData("Usage: inference-exp <command>", "help")]
    [InlineData("Usage: inference-exp set <model>", "set", "--help")]
    [InlineData("Usage: inference-exp set <model>", "help", "set")]
    [InlineData("Usage: inference-exp rollback <model>", "rollback", "-h")]
    [InlineData("Usage: inference-exp status [model]", "status", "iris", "--help")]
    public async Task Help_WithoutInstances_GoesToStdoutWithExit0(string expected, params string[] args)
    {
        var result = await Tool.RunAsync(args);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.StartsWith(expected, result.Out, StringComparison.Ordinal);
        Assert.Equal("", result.Error);
    }
}
