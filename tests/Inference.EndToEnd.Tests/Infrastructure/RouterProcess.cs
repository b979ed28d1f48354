using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Inference.Client;
using Grpc.Net.Client;
using CallFailedException = Inference.Testing.CallFailedException;
using OipTestClient = Inference.Testing.OipTestClient;

namespace Inference.EndToEnd.Tests.Infrastructure;

/// <summary>
/// The real router executable with free ports, its configuration (and state file) in a temp
/// directory that outlives a <see cref="RestartAsync">restart</see>.
/// </summary>
internal sealed partial class RouterProcess : IAsyncDisposable
{
    public const string AdminToken = "e2e-admin-token";

    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(60);

    private readonly TempDirectory _directory;
    private readonly RouterLaunch _launch;
    private bool _ownsDirectory = true;

    private RouterProcess(ChildProcess process, TempDirectory directory, RouterLaunch launch, Uri grpc, Uri admin)
    {
        Process = process;
        _directory = directory;
        _launch = launch;
        ListeningGrpc = grpc;
        ListeningAdmin = admin;
        GrpcAddress = Reachable(grpc);
        AdminAddress = Reachable(admin);
        Admin = new HttpClient { BaseAddress = AdminAddress, Timeout = TimeSpan.FromSeconds(30) };
        Admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", AdminToken);
        Channel = GrpcChannel.ForAddress(GrpcAddress);
        Client = new OipTestClient(Channel);
    }

    public ChildProcess Process { get; }

    /// <summary>The gRPC address as the router logged it (0.0.0.0 when it listens on every interface).</summary>
    public Uri ListeningGrpc { get; }

    /// <summary>The admin address as the router logged it.</summary>
    public Uri ListeningAdmin { get; }

    /// <summary>Where a client on this machine reaches the gRPC port.</summary>
    public Uri GrpcAddress { get; }

    public Uri AdminAddress { get; }

    /// <summary><c>host:port</c> of the gRPC port, as grpcio wants it.</summary>
    public string Target => $"{GrpcAddress.Host}:{GrpcAddress.Port}";

    /// <summary>An admin client sending the <see cref="AdminToken"/>.</summary>
    public HttpClient Admin { get; }

    public GrpcChannel Channel { get; }

    public OipTestClient Client { get; }

    /// <summary>The file the router watches (--config).</summary>
    public string ConfigPath => _directory.File("router.json");

    /// <summary>The --state-file path (written only with <see cref="RouterLaunch.StateFile"/>).</summary>
    public string StateFilePath => _directory.File("state.json");

    /// <summary>Writes <paramref name="config"/> to a temp directory, starts <paramref name="assembly"/> (default: the build next to the tests) and waits for its listening line.</summary>
    public static Task<RouterProcess> StartAsync(string config, string? assembly = null) =>
        StartAsync(config, RouterLaunch.Default with { Assembly = assembly });

    public static async Task<RouterProcess> StartAsync(string config, RouterLaunch launch)
    {
        var directory = new TempDirectory("router");
        try
        {
            await File.WriteAllTextAsync(directory.File("router.json"), config);
            return await LaunchAsync(directory, launch);
        }
        catch
        {
            directory.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Replaces the configuration file the way a ConfigMap update does: the new content appears at
    /// once (written aside, then renamed over), so the router never reads half a file.
    /// </summary>
    public async Task WriteConfigAsync(string config)
    {
        var aside = _directory.File(".router.json.next");
        await File.WriteAllTextAsync(aside, config);
        File.Move(aside, ConfigPath, overwrite: true);
    }

    /// <summary>
    /// Stops this router with SIGTERM (it must exit 0) and starts a new process with the same
    /// flags, configuration and state file; the new one owns the directory from then on.
    /// </summary>
    public async Task<RouterProcess> RestartAsync()
    {
        Process.Signal(Signals.Term);
        var exitCode = await Process.WaitForExitAsync(StopTimeout);
        Assert.True(exitCode == 0, $"the router exited {exitCode} on SIGTERM:\n{Process.Output}");
        var next = await LaunchAsync(_directory, _launch);
        _ownsDirectory = false;
        return next;
    }

    public async Task<PrometheusScrape> ScrapeAsync() => new(await Admin.GetStringAsync("/metrics"));

    public async Task<JsonElement> GetModelsAsync()
    {
        using var document = JsonDocument.Parse(await Admin.GetStringAsync("/admin/models"));
        return document.RootElement.Clone();
    }

    /// <summary>The revision, weights in force and where they come from, by the admin API.</summary>
    public async Task<(long Revision, Weights Weights, string Source)> GetWeightsAsync()
    {
        var models = await GetModelsAsync();
        var experiment = models.GetProperty("models").GetProperty("iris").GetProperty("experiment");
        var weights = experiment.GetProperty("weights");
        return (
            models.GetProperty("revision").GetInt64(),
            new Weights(weights.GetProperty("control").GetDouble(), weights.GetProperty("treatment").GetDouble()),
            experiment.GetProperty("weightsSource").GetString()!);
    }

    /// <summary>PUT …/experiment/weights; fails the test unless the router accepts it.</summary>
    public async Task SetWeightsAsync(double control, double treatment)
    {
        using var response = await Admin.PutAsync("/admin/models/iris/experiment/weights", WeightsBody(control, treatment));
        Assert.True(response.IsSuccessStatusCode, $"weights change refused: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    /// <summary>The body of a weights change.</summary>
    public static StringContent WeightsBody(double control, double treatment) =>
        new(JsonSerializer.Serialize(new Dictionary<string, double> { ["control"] = control, ["treatment"] = treatment }), Encoding.UTF8, "application/json");

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
        if (_ownsDirectory)
        {
            _directory.Dispose();
        }
    }

    private static async Task<RouterProcess> LaunchAsync(TempDirectory directory, RouterLaunch launch)
    {
        List<string> arguments = ["--config", directory.File("router.json"), "--host", launch.Host, "--port", "0", "--admin-port", "0"];
        if (launch.StateFile)
        {
            arguments.AddRange(["--state-file", directory.File("state.json")]);
        }

        if (launch.Token == AdminTokenSource.File)
        {
            var tokenFile = directory.File("admin-token");
            await File.WriteAllTextAsync(tokenFile, AdminToken + "\n");
            arguments.AddRange(["--admin-token-file", tokenFile]);
        }

        var environment = new Dictionary<string, string?>
        {
            ["ROUTER_ADMIN_TOKEN"] = launch.Token == AdminTokenSource.Environment ? AdminToken : null,
        };
        var process = ChildProcess.StartDotnet("router", launch.Assembly ?? RepoPaths.BuiltRouter, arguments, environment);
        try
        {
            var listening = await process.WaitForLineAsync(ListeningLine(), StartTimeout);
            return new RouterProcess(process, directory, launch, new Uri(listening.Groups["grpc"].Value), new Uri(listening.Groups["admin"].Value));
        }
        catch
        {
            await process.DisposeAsync();
            throw;
        }
    }

    /// <summary>A wildcard listen address is reached through loopback.</summary>
    private static Uri Reachable(Uri listening) =>
        IPAddress.TryParse(listening.Host, out var address) && address.Equals(IPAddress.Any)
            ? new UriBuilder(listening) { Host = IPAddress.Loopback.ToString() }.Uri
            : listening;

    [GeneratedRegex(@"Now listening: grpc=(?<grpc>http://[0-9.]+:[0-9]+) admin=(?<admin>http://[0-9.]+:[0-9]+)")]
    private static partial Regex ListeningLine();
}
