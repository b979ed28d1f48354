using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Inference.Client;
using Inference.Grpc.Client;

namespace Inference.EndToEnd.Tests.Infrastructure;

/// <summary>The real router executable on 127.0.0.1 with free ports and its configuration in a temp directory.</summary>
internal sealed partial class RouterProcess : IAsyncDisposable
{
    public const string AdminToken = "e2e-admin-token";

    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    private readonly TempDirectory _directory;

    private RouterProcess(ChildProcess process, TempDirectory directory, Uri grpc, Uri admin)
    {
        Process = process;
        _directory = directory;
        GrpcAddress = grpc;
        AdminAddress = admin;
        Admin = new HttpClient { BaseAddress = admin, Timeout = TimeSpan.FromSeconds(30) };
        Admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", AdminToken);
        Channel = GrpcChannel.ForAddress(grpc);
        Client = new InferenceClient(Channel);
    }

    public ChildProcess Process { get; }

    public Uri GrpcAddress { get; }

    public Uri AdminAddress { get; }

    /// <summary><c>host:port</c> of the gRPC port, as grpcio wants it.</summary>
    public string Target => $"{GrpcAddress.Host}:{GrpcAddress.Port}";

    public HttpClient Admin { get; }

    public GrpcChannel Channel { get; }

    public InferenceClient Client { get; }

    /// <summary>Writes <paramref name="config"/> to a temp directory, starts <paramref name="assembly"/> (default: the build next to the tests) and waits for its listening line.</summary>
    public static async Task<RouterProcess> StartAsync(string config, string? assembly = null)
    {
        var directory = new TempDirectory("router");
        var configPath = directory.File("router.json");
        await File.WriteAllTextAsync(configPath, config);
        var process = ChildProcess.StartDotnet(
            "router",
            assembly ?? RepoPaths.BuiltRouter,
            ["--config", configPath, "--host", "127.0.0.1", "--port", "0", "--admin-port", "0"],
            new Dictionary<string, string?> { ["ROUTER_ADMIN_TOKEN"] = AdminToken });
        try
        {
            var listening = await process.WaitForLineAsync(ListeningLine(), StartTimeout);
            return new RouterProcess(process, directory, new Uri(listening.Groups["grpc"].Value), new Uri(listening.Groups["admin"].Value));
        }
        catch
        {
            await process.DisposeAsync();
            directory.Dispose();
            throw;
        }
    }

    public async Task<PrometheusScrape> ScrapeAsync() => new(await Admin.GetStringAsync("/metrics"));

    public async Task<JsonElement> GetModelsAsync()
    {
        using var document = JsonDocument.Parse(await Admin.GetStringAsync("/admin/models"));
        return document.RootElement.Clone();
    }

    /// <summary>PUT …/experiment/weights; fails the test unless the router accepts it.</summary>
    public async Task SetWeightsAsync(double control, double treatment)
    {
        var body = JsonSerializer.Serialize(new Dictionary<string, double> { ["control"] = control, ["treatment"] = treatment });
        using var response = await Admin.PutAsync("/admin/models/iris/experiment/weights", new StringContent(body, Encoding.UTF8, "application/json"));
        Assert.True(response.IsSuccessStatusCode, $"weights change refused: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    /// <summary>POST …/experiment/rollback; fails the test unless the router accepts it.</summary>
    public async Task RollbackAsync()
    {
        using var response = await Admin.PostAsync("/admin/models/iris/experiment/rollback", null);
        Assert.True(response.IsSuccessStatusCode, $"rollback refused: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    /// <summary>Whether the router currently balances to the endpoint <paramref name="endpoint"/> (by its admin API).</summary>
    public async Task<bool> IsAvailableAsync(string endpoint)
    {
        var models = await GetModelsAsync();
        foreach (var version in models.GetProperty("models").GetProperty("iris").GetProperty("versions").EnumerateObject())
        {
            foreach (var candidate in version.Value.GetProperty("endpoints").EnumerateArray())
            {
                if (candidate.GetProperty("address").GetString() == endpoint)
                {
                    return candidate.GetProperty("available").GetBoolean();
                }
            }
        }

        throw new InvalidOperationException($"the router does not know endpoint {endpoint}:\n{models}");
    }

    public async ValueTask DisposeAsync()
    {
        Channel.Dispose();
        Admin.Dispose();
        await Process.DisposeAsync();
        _directory.Dispose();
    }

    [GeneratedRegex(@"Now listening: grpc=(?<grpc>http://127\.0\.0\.1:[0-9]+) admin=(?<admin>http://127\.0\.0\.1:[0-9]+)")]
    private static partial Regex ListeningLine();
}
