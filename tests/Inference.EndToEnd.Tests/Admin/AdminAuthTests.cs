using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Inference.EndToEnd.Tests.Infrastructure;

namespace Inference.EndToEnd.Tests.Admin;

/// <summary>
/// The admin API behind a bearer token read from --admin-token-file, and the router's refusal to
/// expose an unauthenticated admin port beyond loopback.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class AdminAuthTests(IrisStack stack)
{
    private const string WeightsPath = "/admin/models/iris/experiment/weights";
    private const string RollbackPath = "/admin/models/iris/experiment/rollback";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    // Another loopback address: it reaches a port bound to every interface, but not one bound to 127.0.0.1.
    private static readonly IPAddress OtherLocalAddress = IPAddress.Parse("127.0.0.2");

    [Fact]
    public async Task TokenFromFile_NoTokenIs401_WrongTokenIs403_RightTokenIs200_AndRefusedCallsChangeNothing()
    {
        await using var router = await RouterProcess.StartAsync(Config(), RouterLaunch.Default with { Token = AdminTokenSource.File, Host = "0.0.0.0" });
        using var anonymous = new HttpClient { BaseAddress = router.AdminAddress, Timeout = TimeSpan.FromSeconds(30) };
        var (revision, weights, _) = await router.GetWeightsAsync(); // with the token: 200

        using (var response = await anonymous.GetAsync("/admin/models"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            Assert.Equal("Bearer", Assert.Single(response.Headers.WwwAuthenticate).Scheme);
        }

        using (var response = await SendAsync(anonymous, HttpMethod.Get, "/admin/models", "not-the-token"))
        {
            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        }

        using (var response = await SendAsync(anonymous, HttpMethod.Put, WeightsPath, "not-the-token", IrisRouter.WeightsBody(0, 100)))
        {
            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        }

        using (var response = await SendAsync(anonymous, HttpMethod.Post, RollbackPath, token: null))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        }

        // Neither refused change happened, and each left an audit line naming no token.
        Assert.Equal((revision, weights), Trim(await router.GetWeightsAsync()));
        await router.Process.WaitForLineAsync(new Regex($@"audit: who=unknown-token@127\.0\.0\.1 PUT {WeightsPath} denied \(403\)"), Patience);
        await router.Process.WaitForLineAsync(new Regex($@"audit: who=anonymous@127\.0\.0\.1 POST {RollbackPath} denied \(401\)"), Patience);

        // The file's token (its trailing newline trimmed) is the one that works; the environment had none.
        using (var response = await SendAsync(anonymous, HttpMethod.Post, RollbackPath, RouterProcess.AdminToken))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        Assert.Equal((revision + 1, new Weights(100, 0)), Trim(await router.GetWeightsAsync()));

        // Probes and scrapers carry no token.
        foreach (var path in new[] { "/healthz", "/readyz", "/metrics" })
        {
            using var response = await anonymous.GetAsync(path);
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{path}: {(int)response.StatusCode}");
        }

        // With a token the admin port listens where --host says: every interface.
        Assert.True(await AcceptsAsync(OtherLocalAddress, router.AdminAddress.Port), "the admin port is not reachable on 127.0.0.2 although a token is set");
    }

    [Fact]
    public async Task WithoutAToken_TheAdminPortListensOnLoopbackOnly_EvenWhenHostIsEveryInterface()
    {
        await using var router = await RouterProcess.StartAsync(Config(), RouterLaunch.Default with { Token = AdminTokenSource.None, Host = "0.0.0.0" });

        Assert.Equal(("0.0.0.0", "127.0.0.1"), (router.ListeningGrpc.Host, router.ListeningAdmin.Host));
        await router.Process.WaitForLineAsync(new Regex("No admin token configured .*: the admin port listens on 127\\.0\\.0\\.1 only"), Patience);
        // The gRPC port, bound to every interface, is reachable at the other address: so a refusal there is the binding.
        Assert.True(await AcceptsAsync(OtherLocalAddress, router.GrpcAddress.Port), "127.0.0.2 does not reach a port bound to 0.0.0.0 on this machine");
        Assert.False(await AcceptsAsync(OtherLocalAddress, router.AdminAddress.Port), "the admin port without a token accepts connections beyond 127.0.0.1");

        // On loopback it needs no token.
        using var anonymous = new HttpClient { BaseAddress = router.AdminAddress, Timeout = TimeSpan.FromSeconds(30) };
        using var response = await anonymous.GetAsync("/admin/models");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    private string Config() => RouterConfigFile.Iris([stack.V1.Endpoint], [stack.V2.Endpoint], 90, 10);

    private static (long, Weights) Trim((long Revision, Weights Weights, string Source) state) => (state.Revision, state.Weights);

    private static async Task<HttpResponseMessage> SendAsync(HttpClient client, HttpMethod method, string path, string? token, HttpContent? body = null)
    {
        using var request = new HttpRequestMessage(method, path) { Content = body };
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return await client.SendAsync(request);
    }

    /// <summary>Whether a TCP connection to the address and port is accepted (false when refused).</summary>
    private static async Task<bool> AcceptsAsync(IPAddress address, int port)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            await socket.ConnectAsync(new IPEndPoint(address, port), timeout.Token);
            return true;
        }
        catch (SocketException ex) when (ex.SocketErrorCode == SocketError.ConnectionRefused)
        {
            return false;
        }
    }
}
