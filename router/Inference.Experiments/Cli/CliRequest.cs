using Inference.Experiments.Targets;

namespace Inference.Experiments.Cli;

/// <summary>What the command line asks for.</summary>
internal sealed record CliRequest
{
    /// <summary>The command; null only with <see cref="ShowHelp"/> for the general help.</summary>
    public CommandKind? Command { get; init; }

    public bool ShowHelp { get; init; }

    public string? Model { get; init; }

    /// <summary>For set: the groups to change, in the order given.</summary>
    public IReadOnlyList<KeyValuePair<string, decimal>> Weights { get; init; } = [];

    public IReadOnlyList<Uri> Admin { get; init; } = [];

    public IReadOnlyList<DnsTarget> AdminDns { get; init; } = [];

    public string? TokenFile { get; init; }

    public bool Json { get; init; }

    public bool DryRun { get; init; }

    public bool Force { get; init; }

    /// <summary>How long one call to one instance may take.</summary>
    public TimeSpan Timeout { get; init; } = DefaultTimeout;

    public static TimeSpan DefaultTimeout { get; } = TimeSpan.FromSeconds(10);
}
