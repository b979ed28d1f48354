using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Inference.Router.Tests.Infrastructure;

/// <summary>The assignment contract computed independently of the router: the bucket of a sticky key.</summary>
internal static class ContractBucket
{
    public static int Of(string experiment, string key) =>
        (int)(BinaryPrimitives.ReadUInt64BigEndian(SHA256.HashData(Encoding.UTF8.GetBytes($"{experiment}:{key}"))) % 10000);

    /// <summary>The first key <c>&lt;prefix&gt;&lt;n&gt;</c> whose bucket satisfies <paramref name="wanted"/>.</summary>
    public static string FindKey(string experiment, string prefix, Func<int, bool> wanted)
    {
        for (var n = 0; ; n++)
        {
            if (wanted(Of(experiment, prefix + n)))
            {
                return prefix + n;
            }
        }
    }
}
