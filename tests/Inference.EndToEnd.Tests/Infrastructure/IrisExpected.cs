using System.Text.Json;

namespace Inference.EndToEnd.Tests.Infrastructure;

/// <summary>The reference outputs stored beside each iris model version (expected.json).</summary>
internal sealed record IrisExpected(string Version, float[][] Inputs, float[][] Probabilities, long[] Labels)
{
    public const float Tolerance = 1e-5f;

    private static readonly Dictionary<string, IrisExpected> s_cache = new(StringComparer.Ordinal);

    public int Rows => Labels.Length;

    public static IrisExpected For(string version)
    {
        lock (s_cache)
        {
            if (!s_cache.TryGetValue(version, out var expected))
            {
                using var document = JsonDocument.Parse(File.ReadAllText(RepoPaths.IrisExpected(version)));
                var root = document.RootElement;
                expected = new IrisExpected(
                    version,
                    root.GetProperty("inputs").EnumerateArray().Select(r => r.EnumerateArray().Select(v => v.GetSingle()).ToArray()).ToArray(),
                    root.GetProperty("probabilities").EnumerateArray().Select(r => r.EnumerateArray().Select(v => v.GetSingle()).ToArray()).ToArray(),
                    root.GetProperty("labels").EnumerateArray().Select(v => v.GetInt64()).ToArray());
                s_cache[version] = expected;
            }

            return expected;
        }
    }

    /// <summary>Whether these probabilities (row-major, <paramref name="firstRow"/> onwards) are this version's.</summary>
    public bool Matches(int firstRow, ReadOnlySpan<float> probabilities, ReadOnlySpan<long> labels)
    {
        var columns = Probabilities[0].Length;
        if (labels.Length == 0 || probabilities.Length != labels.Length * columns || firstRow + labels.Length > Rows)
        {
            return false;
        }

        for (var row = 0; row < labels.Length; row++)
        {
            if (labels[row] != Labels[firstRow + row])
            {
                return false;
            }

            for (var column = 0; column < columns; column++)
            {
                if (MathF.Abs(probabilities[row * columns + column] - Probabilities[firstRow + row][column]) > Tolerance)
                {
                    return false;
                }
            }
        }

        return true;
    }
}
