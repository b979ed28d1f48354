using Inference.Docs.Tests.Extraction;
using Inference.Docs.Tests.Programs;

namespace Inference.Docs.Tests;

/// <summary>The extractor and the check on made-up READMEs, against the repository's real programs and made-up help texts.</summary>
public sealed class ReadmeCommandsTests
{
    private const string Readme = """
        # Made up

        ```bash
        TOKEN=x inference-exp status iris --admin http://10.0.0.1:8081 --json   # a comment --not-a-flag
        inference-exp set iris control=1 --dry-run --force
        curl -s --fail http://127.0.0.1:8081/metrics | grep router
        dotnet run --project router/Inference.Router -- --config router.json \
            [--host 0.0.0.0] [--frobnicate]
        ```

        | flag | meaning |
        |---|---|
        | `--state-file <file>` / `--drain-delay-ms` | mentions `--not-this-one` |

        ```
        $ bash tests/run --filter X
        == output lines are not commands: inference-exp is in the middle
        BENCH_X="--quoted 1" router/example/no-such-script.sh --once && dotnet test tests/Inference.EndToEnd.Tests
        ```

        ```json
        { "inference-exp": "--not-shell" }
        ```

        ```
        inference-batch --input <file> (--model <f> | --address <a> --name <n>) [--format csv|jsonl]
                        [--shard i/n] [--max-errorz N]
        [--not-indented] is not a continuation
        ```
        """;

    private static readonly ProgramCatalog Catalog = new(RepoPaths.Root);

    [Fact]
    public void Extract_ShellBlocksAndFlagTables_FindsTheProjectsCommandsAndTheirFlags()
    {
        var commands = ReadmeCommands.Extract("made-up.md", Readme, Catalog);

        Assert.Equal(
            [
                ("made-up.md:4", "router/Inference.Experiments", "--admin --json", "status"),
                ("made-up.md:5", "router/Inference.Experiments", "--dry-run --force", "set"),
                ("made-up.md:7", "router/Inference.Router", "--config --host --frobnicate", null),
                ("made-up.md:13", "router/Inference.Router", "--state-file --drain-delay-ms", null),
                ("made-up.md:16", "tests/run", "--filter", null),
                ("made-up.md:18", "router/example/no-such-script.sh", "--once", null),
                ("made-up.md:18", "tests/Inference.EndToEnd.Tests", "", null),
                ("made-up.md:26", "services/Inference.Batch", "--input --model --address --name --format", null),
                ("made-up.md:27", "services/Inference.Batch", "--shard --max-errorz", null),
            ],
            commands.Select(c => (c.Where, c.Program.Path, string.Join(' ', c.Flags), c.Subcommand)).ToArray());
        Assert.Equal(ProgramKind.DotnetTarget, commands[6].Program.Kind);
        Assert.Equal("inference-exp.dll", commands[0].Program.Assembly);
    }

    [Fact]
    public async Task Problems_FlagMissingFromHelpAndMissingScript_AreReported()
    {
        var commands = ReadmeCommands.Extract("made-up.md", Readme, Catalog);
        var help = new Dictionary<string, HelpText>
        {
            ["router/Inference.Experiments"] = new(0, "  --admin <url>   an instance\n  --json  JSON out"),
            // A command's own help adds its flags; another command's does not count.
            ["router/Inference.Experiments set"] = new(0, "  --dry-run  show, change nothing"),
            ["router/Inference.Experiments status"] = new(0, "  --force  not for set"),
            // --host-name must not stand for --host, nor --port for --http-port.
            ["router/Inference.Router"] = new(0, "--config <file>  --host-name x  --state-file f  --drain-delay-ms n"),
            ["tests/run"] = new(2, "unknown option --help"),
            ["services/Inference.Batch"] = new(0, "--input --output --model --address --name --format --shard"),
        };

        var problems = await DocsCheck.ProblemsAsync(
            commands, RepoPaths.Root, (program, command) => Task.FromResult(help[$"{program.Path} {command}".TrimEnd()]));

        Assert.Collection(
            problems,
            p => Assert.Equal("made-up.md:5: `inference-exp set iris control=1 --dry-run --force`: router/Inference.Experiments (inference-exp.dll) does not list --force in its --help", p),
            p => Assert.StartsWith("made-up.md:7: `dotnet run --project router/Inference.Router -- --config router.json [--host 0.0.0.0] [--frobnicate]`: router/Inference.Router (Inference.Router.dll) does not list --host", p, StringComparison.Ordinal),
            p => Assert.EndsWith("does not list --frobnicate in its --help", p, StringComparison.Ordinal),
            p => Assert.StartsWith("made-up.md:16: tests/run --help exited 2", p, StringComparison.Ordinal),
            p => Assert.Equal("made-up.md:18: `BENCH_X=\"--quoted 1\" router/example/no-such-script.sh --once && dotnet test tests/Inference.EndToEnd.Tests`: router/example/no-such-script.sh does not exist", p),
            p => Assert.Equal("made-up.md:27: `[--shard i/n] [--max-errorz N]`: services/Inference.Batch (inference-batch.dll) does not list --max-errorz in its --help", p));
    }

    [Fact]
    public void Catalog_DllPathOrFolderOfNoExecutableProject_IsAProgramThatDoesNotExist()
    {
        Assert.True(Catalog.ByDll("services/Inference.Client.Example/bin/Release/net10.0/Inference.Client.Example.dll").Exists(RepoPaths.Root));
        Assert.False(Catalog.ByDll("services/Inference.Client.Example/bin/Release/net10.0/Renamed.dll").Exists(RepoPaths.Root));
        Assert.False(Catalog.ByFolder("services/Inference.Client").Exists(RepoPaths.Root));
        Assert.True(Catalog.ByFolder("services/Inference.ModelServer/").Exists(RepoPaths.Root));
    }

    [Theory]
    [InlineData("  --port <n>  gRPC port", "--port", true)]
    [InlineData("  --http-port <n>", "--port", false)]
    [InlineData("  --port-range <n>", "--port", false)]
    [InlineData("[--port 8080]", "--port", true)]
    public void Lists_FlagAsAWholeWord(string text, string flag, bool listed) =>
        Assert.Equal(listed, new HelpText(0, text).Lists(flag));
}
