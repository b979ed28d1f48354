using System.Globalization;
using Inference.Experiments.Cli;

namespace Inference.Experiments.Targets;

/// <summary>An <c>--admin-dns name:port</c>: every address the name resolves to is one instance on that port.</summary>
internal sealed record DnsTarget(string Host, int Port)
{
    public override string ToString() => $"{Host}:{Port.ToString(CultureInfo.InvariantCulture)}";

    public static DnsTarget Parse(string text)
    {
        var colon = text.LastIndexOf(':');
        var host = colon > 0 ? text[..colon].Trim('[', ']') : "";
        var portText = colon > 0 ? text[(colon + 1)..] : "";
        if (host.Length == 0 || host.Contains('/', StringComparison.Ordinal)
            || !int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
        {
            throw new UsageException($"--admin-dns takes <name>:<port> (e.g. router-admin-headless.ml.svc:8081), not '{text}'");
        }

        return new DnsTarget(host, port);
    }
}
