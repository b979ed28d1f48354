using System.Buffers;
using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Inference.Router.Routing;

/// <summary>
/// The assignment contract: bucket = first 8 bytes (big-endian) of SHA-256(UTF-8 of
/// "&lt;experiment&gt;:&lt;key&gt;") mod 10000; group i owns buckets [upper(i-1), upper(i)) where
/// upper(i) = floor(10000 × (w0 + … + wi) / total weight) and upper(-1) = 0.
/// </summary>
internal static class BucketAssigner
{
    public const int BucketCount = 10_000;

    /// <summary>The bucket of <paramref name="key"/>; <paramref name="prefix"/> is UTF-8 of "&lt;experiment&gt;:".</summary>
    public static int Bucket(ReadOnlySpan<byte> prefix, ReadOnlySpan<char> key)
    {
        var length = prefix.Length + Encoding.UTF8.GetMaxByteCount(key.Length);
        byte[]? rented = null;
        var buffer = length <= 512 ? stackalloc byte[512] : (rented = ArrayPool<byte>.Shared.Rent(length));
        try
        {
            prefix.CopyTo(buffer);
            var written = prefix.Length + Encoding.UTF8.GetBytes(key, buffer[prefix.Length..]);
            Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
            SHA256.HashData(buffer[..written], hash);
            return (int)(BinaryPrimitives.ReadUInt64BigEndian(hash) % BucketCount);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    /// <summary>Exclusive upper bucket of each group, in order; the last is always 10000.</summary>
    public static int[] UpperBounds(IReadOnlyList<decimal> weights)
    {
        decimal total = 0;
        foreach (var weight in weights)
        {
            total += weight;
        }

        if (total <= 0)
        {
            throw new ArgumentException("The weights sum to zero.", nameof(weights));
        }

        var bounds = new int[weights.Count];
        decimal cumulative = 0;
        for (var i = 0; i < weights.Count; i++)
        {
            cumulative += weights[i];
            bounds[i] = (int)decimal.Floor(BucketCount * cumulative / total);
        }

        // Exact in decimal arithmetic already; pinned so rounding can never leave a bucket ownerless.
        bounds[^1] = BucketCount;
        return bounds;
    }

    /// <summary>The index of the group owning <paramref name="bucket"/>.</summary>
    public static int GroupOf(ReadOnlySpan<int> upperBounds, int bucket)
    {
        for (var i = 0; i < upperBounds.Length; i++)
        {
            if (bucket < upperBounds[i])
            {
                return i;
            }
        }

        return upperBounds.Length - 1;
    }
}
