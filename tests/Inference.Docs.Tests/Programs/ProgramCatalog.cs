using System.Xml.Linq;

namespace Inference.Docs.Tests.Programs;

/// <summary>
/// The repository's executable projects, found by their project files, and the names a README may call them by:
/// the assembly name, the .NET tool command name, and the project's folder.
/// </summary>
internal sealed class ProgramCatalog
{
    private readonly Dictionary<string, RepoProgram> _byCommand = new(StringComparer.Ordinal);
    private readonly Dictionary<string, RepoProgram> _byFolder = new(StringComparer.Ordinal);

    public ProgramCatalog(string root)
    {
        Root = root;
        foreach (var project in Directory.EnumerateFiles(root, "*.csproj", SearchOption.AllDirectories))
        {
            var folder = Relative(Path.GetDirectoryName(project)!);
            if (folder.Split('/').Any(part => part is "bin" or "obj" || part.StartsWith('.')))
            {
                continue;
            }

            var properties = XDocument.Load(project).Descendants().Where(e => !e.HasElements).ToLookup(e => e.Name.LocalName, e => e.Value.Trim());
            if (!properties["OutputType"].Contains("Exe"))
            {
                continue;
            }

            var assemblyName = properties["AssemblyName"].FirstOrDefault() ?? Path.GetFileNameWithoutExtension(project);
            var program = new RepoProgram(ProgramKind.DotnetProject, folder, assemblyName + ".dll");
            _byFolder[folder] = program;
            _byCommand[assemblyName] = program;
            foreach (var command in properties["ToolCommandName"])
            {
                _byCommand[command] = program;
            }
        }
    }

    public string Root { get; }

    /// <summary>The program a command word names (<c>inference-exp</c>, <c>ModelServerBench</c>), or null when it is none of ours.</summary>
    public RepoProgram? ByCommand(string word) => _byCommand.GetValueOrDefault(word);

    /// <summary>The project in <paramref name="folder"/> (<c>dotnet run --project</c>); one without an assembly when there is none.</summary>
    public RepoProgram ByFolder(string folder)
    {
        var normalized = Normalize(folder);
        return _byFolder.GetValueOrDefault(normalized) ?? new RepoProgram(ProgramKind.DotnetProject, normalized);
    }

    /// <summary>
    /// The project whose build output <paramref name="dll"/> is (<c>dotnet &lt;folder&gt;/bin/…/x.dll</c>); one
    /// without an assembly when no executable project there builds that dll.
    /// </summary>
    public RepoProgram ByDll(string dll)
    {
        var normalized = Normalize(dll);
        var bin = normalized.IndexOf("/bin/", StringComparison.Ordinal);
        var folder = bin < 0 ? Path.GetDirectoryName(normalized)!.Replace('\\', '/') : normalized[..bin];
        return _byFolder.GetValueOrDefault(folder) is { } program && program.Assembly == Path.GetFileName(normalized)
            ? program
            : new RepoProgram(ProgramKind.DotnetProject, normalized);
    }

    private static string Normalize(string path) => path.Replace('\\', '/').TrimStart('.', '/').TrimEnd('/');

    private string Relative(string path) => Path.GetRelativePath(Root, path).Replace('\\', '/');
}
