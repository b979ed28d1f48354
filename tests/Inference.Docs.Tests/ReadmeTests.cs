using Inference.Docs.Tests.Extraction;
using Inference.Docs.Tests.Programs;

namespace Inference.Docs.Tests;

/// <summary>Every README of the repository against the programs it documents.</summary>
public sealed class ReadmeTests
{
    [Fact]
    public async Task Readmes_EveryCommandAndFlagShown_ExistsInTheProgramsHelp()
    {
        var root = RepoPaths.Root;
        var catalog = new ProgramCatalog(root);
        var commands = Readmes(root)
            .SelectMany(path => ReadmeCommands.Extract(Path.GetRelativePath(root, path), File.ReadAllText(path), catalog))
            .ToArray();
        var help = new HelpRunner(root);

        var problems = await DocsCheck.ProblemsAsync(commands, root, help.GetAsync);

        Assert.True(problems.Count == 0, $"The READMEs and the programs disagree:\n{string.Join("\n", problems)}");
        // The check is only worth something while it finds the commands: the root README's two, at least.
        Assert.Contains(commands, c => c.Readme == "README.md" && c.Program.Path == "router/example/run-stack.sh");
        Assert.Contains(commands, c => c.Readme == "README.md" && c.Program.Path == "tests/run");
    }

    /// <summary>README.md files of the repository, not those of build output or caches.</summary>
    private static IEnumerable<string> Readmes(string root) =>
        Directory.EnumerateFiles(root, "README.md", SearchOption.AllDirectories)
            .Where(path => !Path.GetRelativePath(root, path).Split(Path.DirectorySeparatorChar)
                .Any(part => part is "bin" or "obj" or "node_modules" || part.StartsWith('.')));
}
