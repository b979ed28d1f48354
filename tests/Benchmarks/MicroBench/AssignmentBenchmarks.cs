using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using BenchmarkDotNet.Attributes;
using Inference.Router.Routing;

namespace Inference.MicroBench;

/// <summary>The sticky bucket of a user key: the router's allocation-free path against the obvious code.</summary>
[MemoryDiagnoser]
public class AssignmentBenchmarks
{
    private const string Experiment = "iris-v2-rollout";
    private static readonly byte[] Prefix = Encoding.UTF8.GetBytes(Experiment + ":");
    private readonly string _key = "user-8f14e45fceea167a5a36dedd4bea2543";

    [Benchmark(Baseline = true, Description = "string concat + SHA256.HashData(byte[])")]
    public int Naive() =>
        (int)(BinaryPrimitives.ReadUInt64BigEndian(SHA256.HashData(Encoding.UTF8.GetBytes(Experiment + ":" + _key))) % 10_000);

    [Benchmark(Description = "router BucketAssigner.Bucket")]
    public int Router() => BucketAssigner.Bucket(Prefix, _key);
}
