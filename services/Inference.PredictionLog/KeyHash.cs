using System.Security.Cryptography;
using System.Text;

namespace Inference.PredictionLog;

/// <summary>The sticky key as the log keeps it: never the key itself, only a digest to group one user's calls by.</summary>
public static class KeyHash
{
    /// <summary>The first 16 bytes of SHA-256(UTF-8 of the key), hex.</summary>
    public static string Of(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)).AsSpan(0, 16));
}
