namespace Inference.Docs.Tests.Programs;

internal enum ProgramKind
{
    /// <summary>An executable project of the repository, run from its build output.</summary>
    DotnetProject,

    /// <summary>A script of the repository (bash, or Python for .py).</summary>
    Script,

    /// <summary>A path given to dotnet's own commands (build, test, pack): only its existence is checked.</summary>
    DotnetTarget,
}
