using System.Globalization;

namespace Inference.Benchmarks.ModelServer.Support;

/// <summary>Resident set size of this process, from /proc/self/status.</summary>
internal static class ProcessMemory
{
    /// <summary>The value of a "Vm…" line in kB, or -1 where /proc is not available.</summary>
    public static long ReadKilobytes(string field)
    {
        const string Path = "/proc/self/status";
        if (!File.Exists(Path))
        {
            return -1;
        }

        foreach (var line in File.ReadLines(Path))
        {
            if (line.StartsWith(field + ":", StringComparison.Ordinal))
            {
                var digits = line[(field.Length + 1)..].Trim().Split(' ')[0];
                return long.Parse(digits, CultureInfo.InvariantCulture);
            }
        }

        return -1;
    }
}
