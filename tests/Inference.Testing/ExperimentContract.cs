using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Inference.Testing;

/// <summary>
/// The router's assignment contract (router/README.md, *Routing rules*), computed independently of the router: bucket = first 8 bytes
/// (big-endian) of SHA-256("&lt;experiment&gt;:&lt;key&gt;") mod 10000, and group i owns buckets
/// [floor(10000 × (w0 + … + w(i-1)) / total), floor(10000 × (w0 + … + wi) / total)).
/// </summary>
public static class ExperimentContract
{
    public const int BucketCount = 10_000;

    public static int Bucket(string experiment, string key) =>
        (int)(BinaryPrimitives.ReadUInt64BigEndian(SHA256.HashData(Encoding.UTF8.GetBytes($"{experiment}:{key}"))) % BucketCount);

    /// <summary>The group the contract gives <paramref name="key"/> under these weights (in config order).</summary>
    public static string Group(string experiment, string key, params (string Name, int Weight)[] groups)
    {
        var bucket = Bucket(experiment, key);
        var total = groups.Sum(g => (decimal)g.Weight);
        var cumulative = 0m;
        foreach (var (name, weight) in groups)
        {
            cumulative += weight;
            if (bucket < decimal.Floor(BucketCount * cumulative / total))
            {
                return name;
            }
        }

        return groups[^1].Name;
    }
}
