using System.Net;
using Inference.Experiments.Targets;
using Inference.Experiments.Tests.Infrastructure;

namespace Inference.Experiments.Tests.Unit;

public sealed class TargetResolverTests
{
    [Fact]
    public async Task ResolveAsync_EveryAddressOfAName_IsOneInstance_InAStableOrderWithoutDuplicates()
    {
        var resolver = new TargetResolver(Tool.Resolver(new Dictionary<string, IPAddress[]>
        {
            ["routers.ml.svc"] = [IPAddress.Parse("10.0.0.12"), IPAddress.Parse("fd00::5"), IPAddress.Parse("10.0.0.3"), IPAddress.Parse("10.0.0.12")],
        }));
        var notes = new List<string>();

        var targets = await resolver.ResolveAsync([new Uri("http://10.0.0.3:8081/")], [DnsTarget.Parse("routers.ml.svc:8081")], notes, CancellationToken.None);

        Assert.Equal(["http://10.0.0.3:8081", "http://10.0.0.12:8081", "http://[fd00::5]:8081"], targets.Select(t => t.Name));
        Assert.All(targets, t => Assert.Null(t.Problem));
        Assert.Equal(new Uri("http://[fd00::5]:8081/"), targets[2].Address);
        Assert.Empty(notes);
    }

    [Fact]
    public async Task ResolveAsync_AnUnknownName_IsAFailedTargetNamedAfterIt_AndOneAddressGetsANote()
    {
        var resolver = new TargetResolver(Tool.Resolver(new Dictionary<string, IPAddress[]> { ["router-admin"] = [IPAddress.Parse("10.96.0.10")] }));
        var notes = new List<string>();

        var targets = await resolver.ResolveAsync([], [DnsTarget.Parse("missing.ml.svc:8081"), DnsTarget.Parse("router-admin:8081")], notes, CancellationToken.None);

        Assert.Equal(2, targets.Count);
        Assert.Equal("missing.ml.svc:8081", targets[0].Name);
        Assert.Null(targets[0].Address);
        Assert.Contains("cannot resolve missing.ml.svc", targets[0].Problem, StringComparison.Ordinal);
        Assert.Equal("http://10.96.0.10:8081", targets[1].Name);
        Assert.Contains(notes, n => n.Contains("router-admin resolved to one address", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ResolveAsync_ANameTheResolverRefuses_IsAFailedTarget_NotACrash()
    {
        // Dns.GetHostAddressesAsync throws ArgumentException (not SocketException) for some names, e.g. "0.0.0.0".
        var resolver = new TargetResolver((host, _) => Task.FromException<IPAddress[]>(new ArgumentException($"'{host}' is not a host to look up")));
        var notes = new List<string>();

        var targets = await resolver.ResolveAsync([], [DnsTarget.Parse("0.0.0.0:8081")], notes, CancellationToken.None);

        var target = Assert.Single(targets);
        Assert.Null(target.Address);
        Assert.Contains("cannot resolve 0.0.0.0", target.Problem, StringComparison.Ordinal);
    }
}
