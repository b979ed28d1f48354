using System.Globalization;

namespace Inference.Testing;

/// <summary>What Linux's /proc says about a process: its descendants, command line, credentials and mapped files.</summary>
public static class ProcFs
{
    /// <summary>Every process below <paramref name="pid"/> (children, their children, …), in no particular order.</summary>
    public static IReadOnlyList<int> Descendants(int pid)
    {
        var children = new Dictionary<int, List<int>>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out var candidate)
                && ParentOf(candidate) is { } parent)
            {
                (children.TryGetValue(parent, out var list) ? list : children[parent] = []).Add(candidate);
            }
        }

        var found = new List<int>();
        var pending = new Stack<int>([pid]);
        while (pending.TryPop(out var next))
        {
            foreach (var child in children.GetValueOrDefault(next) ?? [])
            {
                found.Add(child);
                pending.Push(child);
            }
        }

        return found;
    }

    /// <summary>The command line's arguments, or an empty list when the process is gone.</summary>
    public static IReadOnlyList<string> CommandLine(int pid) =>
        Read($"/proc/{pid}/cmdline") is { } text ? text.Split('\0', StringSplitOptions.RemoveEmptyEntries) : [];

    /// <summary>The (real, effective, saved, filesystem) user ids, from the Uid line of /proc/&lt;pid&gt;/status.</summary>
    public static IReadOnlyList<int> UserIds(int pid) => StatusIds(pid, "Uid:");

    /// <summary>The (real, effective, saved, filesystem) group ids.</summary>
    public static IReadOnlyList<int> GroupIds(int pid) => StatusIds(pid, "Gid:");

    /// <summary>The supplementary groups.</summary>
    public static IReadOnlyList<int> SupplementaryGroups(int pid) => StatusIds(pid, "Groups:");

    /// <summary>A kB line of /proc/&lt;pid&gt;/status (VmRSS, VmHWM), or -1 once the process is gone or where there is no /proc.</summary>
    public static long StatusKilobytes(int pid, string field) =>
        (Read($"/proc/{pid}/status") ?? "").Split('\n').FirstOrDefault(l => l.StartsWith(field + ":", StringComparison.Ordinal)) is { } line
            ? long.Parse(line[(field.Length + 1)..].Trim().Split(' ')[0], CultureInfo.InvariantCulture)
            : -1;

    /// <summary>The files mapped into the process (the path column of /proc/&lt;pid&gt;/maps), as the reader sees them.</summary>
    public static IReadOnlySet<string> MappedFiles(int pid) =>
        (Read($"/proc/{pid}/maps") ?? "").Split('\n')
            .Select(line => line.Split(' ', 6, StringSplitOptions.RemoveEmptyEntries))
            .Where(columns => columns.Length == 6 && columns[5].StartsWith('/'))
            .Select(columns => columns[5].Trim())
            .ToHashSet(StringComparer.Ordinal);

    private static int? ParentOf(int pid) =>
        Read($"/proc/{pid}/stat") is { } stat
            // The name in parentheses may hold spaces; the parent is the second field after it.
            && stat[(stat.LastIndexOf(')') + 2)..].Split(' ') is [_, var parent, ..]
            && int.TryParse(parent, NumberStyles.None, CultureInfo.InvariantCulture, out var id)
            ? id
            : null;

    private static IReadOnlyList<int> StatusIds(int pid, string field)
    {
        var line = (Read($"/proc/{pid}/status") ?? "").Split('\n').FirstOrDefault(l => l.StartsWith(field, StringComparison.Ordinal))
            ?? throw new InvalidOperationException($"process {pid} is gone or has no {field} line");
        return line[field.Length..].Split(['\t', ' '], StringSplitOptions.RemoveEmptyEntries)
            .Select(id => int.Parse(id, CultureInfo.InvariantCulture)).ToList();
    }

    private static string? Read(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (IOException)
        {
            return null; // the process exited meanwhile
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }
}
