namespace Inference.Experiments.Tests.Infrastructure;

/// <summary>One run of the tool: its exit code and what it wrote.</summary>
internal sealed record CliResult(int ExitCode, string Out, string Error)
{
    /// <summary>The stdout line that names <paramref name="instance"/> (the tool writes one per instance).</summary>
    public string LineOf(string instance)
    {
        var lines = Out.Split('\n').Where(l => l.StartsWith(instance + " ", StringComparison.Ordinal)).ToList();
        Assert.True(lines.Count == 1, $"expected one line for {instance}:\n{this}");
        return lines[0];
    }

    public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Out}--- stderr\n{Error}";
}
