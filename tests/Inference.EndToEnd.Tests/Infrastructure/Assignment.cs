using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Inference.EndToEnd.Tests.Infrastructure;

/// <summary>
/// The experiment assignment contract, computed independently of the router: bucket = first 8 bytes
/// (big-endian) of SHA-256("&lt;experiment&gt;:&lt;key&gt;") mod 10000; control owns [0, floor(10000 × control / total)).
/// </summary>
internal static class Assignment
{
    public const int Buckets = 10_000;

    public static int Bucket(string experiment, string key) =>
        (int)(BinaryPrimitives.ReadUInt64BigEndian(SHA256.HashData(Encoding.UTF8.GetBytes(experiment + ":" + key))) % Buckets);

    public static string Group(string key, Weights weights) =>
        Bucket(RouterConfigFile.Experiment, key) < (int)Math.Floor(Buckets * weights.Control / (weights.Control + weights.Treatment)) ? "control" : "treatment";

    public static string VersionOf(string group) => group switch
    {
        "control" => "1",
        "treatment" => "2",
        _ => throw new ArgumentOutOfRangeException(nameof(group), group, "not a group of the test experiment"),
    };
}
