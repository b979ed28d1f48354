namespace Inference.Docs.Tests.Programs;

/// <summary>
/// One of the repository's own programs as a README names it. <paramref name="Path"/> is relative to the repository
/// root: the project folder, the script, or dotnet's target; <paramref name="Assembly"/> is the project's dll, null
/// when the folder holds no executable project.
/// </summary>
internal sealed record RepoProgram(ProgramKind Kind, string Path, string? Assembly = null)
{
    /// <summary>Whether the README's program is there: the script or target exists, the project folder holds an executable project.</summary>
    public bool Exists(string root) => Kind switch
    {
        ProgramKind.DotnetProject => Assembly is not null,
        _ => File.Exists(System.IO.Path.Combine(root, Path)) || Directory.Exists(System.IO.Path.Combine(root, Path)),
    };

    /// <summary>Whether its flags can be checked against a help text (dotnet's own commands are not ours).</summary>
    public bool HasHelp => Kind != ProgramKind.DotnetTarget;

    public override string ToString() => Kind == ProgramKind.DotnetProject ? $"{Path} ({Assembly ?? "no executable project"})" : Path;
}
