using System.Net;
using System.Net.Sockets;

namespace Inference.Experiments.Targets;

/// <summary>
/// Turns <c>--admin</c> addresses and <c>--admin-dns</c> names into the list of instances to call.
/// A name is resolved to all its addresses (a headless Service gives one per pod); a name that does
/// not resolve becomes a failed target, so the other instances are still called and the name is reported.
/// </summary>
internal sealed class TargetResolver(Func<string, CancellationToken, Task<IPAddress[]>> resolve)
{
    /// <summary>The targets in a stable order (given addresses first, then each name's addresses sorted), without duplicates.</summary>
    /// <param name="notes">Receives remarks for a person (a name with a single address may be a ClusterIP Service).</param>
    public async Task<IReadOnlyList<AdminTarget>> ResolveAsync(IReadOnlyList<Uri> addresses, IReadOnlyList<DnsTarget> names, ICollection<string> notes, CancellationToken cancellationToken)
    {
        var targets = new List<AdminTarget>();
        var seen = new HashSet<Uri>();
        foreach (var address in addresses)
        {
            if (seen.Add(address))
            {
                targets.Add(AdminTarget.For(address));
            }
        }

        var resolved = await Task.WhenAll(names.Select(name => ResolveOneAsync(name, cancellationToken)));
        foreach (var (name, found, problem) in resolved)
        {
            if (problem is not null)
            {
                targets.Add(new AdminTarget(name.ToString(), null, problem));
                continue;
            }

            if (found.Count == 1)
            {
                notes.Add($"{name.Host} resolved to one address: if it is a ClusterIP Service, that is one router chosen by the Service, not every instance (use a headless Service)");
            }

            foreach (var address in found)
            {
                if (seen.Add(address))
                {
                    targets.Add(AdminTarget.For(address));
                }
            }
        }

        return targets;
    }

    private async Task<(DnsTarget Name, IReadOnlyList<Uri> Addresses, string? Problem)> ResolveOneAsync(DnsTarget name, CancellationToken cancellationToken)
    {
        IPAddress[] addresses;
        try
        {
            addresses = await resolve(name.Host, cancellationToken);
        }
        catch (Exception ex) when (ex is SocketException or ArgumentException)
        {
            // ArgumentException: a name the resolver refuses outright (an unspecified address, over 255 characters).
            return (name, [], $"cannot resolve {name.Host}: {ex.Message}");
        }

        if (addresses.Length == 0)
        {
            return (name, [], $"{name.Host} resolves to no address");
        }

        var ordered = addresses
            .Distinct()
            .OrderBy(a => a.AddressFamily == AddressFamily.InterNetwork ? 0 : 1)
            .ThenBy(a => Convert.ToHexString(a.GetAddressBytes()), StringComparer.Ordinal)
            .Select(a => new UriBuilder(Uri.UriSchemeHttp, a.ToString(), name.Port, "/").Uri)
            .ToList();
        return (name, ordered, null);
    }
}
