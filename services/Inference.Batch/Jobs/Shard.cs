using System.Globalization;

namespace Inference.Batch.Jobs;

/// <summary><c>--shard i/n</c>: the i-th (from 0) of n contiguous parts of the file.</summary>
internal readonly record struct Shard(int Index, int Count)
{
    public static Shard Whole => new(0, 1);

    public bool IsWhole => Count == 1;

    public static Shard Parse(string text)
    {
        var slash = text.IndexOf('/');
        if (slash > 0
            && int.TryParse(text.AsSpan(0, slash), NumberStyles.None, CultureInfo.InvariantCulture, out var index)
            && int.TryParse(text.AsSpan(slash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var count)
            && count >= 1 && index < count)
        {
            return new Shard(index, count);
        }

        throw new FormatException($"--shard takes i/n with 0 <= i < n (e.g. 0/4), not '{text}'");
    }

    public override string ToString() => $"{Index}/{Count}";
}
