using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.RegularExpressions;
using Grpc.Net.Client;

namespace Inference.Testing;

/// <summary>
/// The real router executable in its own process (with its own runtime settings, the GC heap limit among them), known
/// by the addresses of its listening line; stopped on dispose. Started from a configuration, its files (router.json,
/// the state file, the token file) live in a temp directory that outlives a <see cref="RestartAsync">restart</see>.
/// </summary>
public sealed partial class RouterProcess : IAsyncDisposable
{
    /// <summary>The admin token test routers get (env ROUTER_ADMIN_TOKEN or --admin-token-file), and <see cref="Admin"/> sends.</summary>
    public const string AdminToken = "test-admin-token";

    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(60);

    private readonly TempDirectory? _directory;
    private readonly Func<Task<RouterProcess>> _relaunch;
    private readonly Lazy<GrpcChannel> _channel;
    private readonly Lazy<OipTestClient> _client;
    private bool _ownsDirectory = true;

    private RouterProcess(ChildProcess process, TempDirectory? directory, Func<Task<RouterProcess>> relaunch, bool sendsToken, Match listening)
    {
        Process = process;
        _directory = directory;
        _relaunch = relaunch;
        ListeningGrpc = new Uri(listening.Groups["grpc"].Value);
        ListeningAdmin = new Uri(listening.Groups["admin"].Value);
        GrpcAddress = Reachable(ListeningGrpc);
        AdminAddress = Reachable(ListeningAdmin);
        Admin = new HttpClient { BaseAddress = AdminAddress, Timeout = TimeSpan.FromSeconds(30) };
        if (sendsToken)
        {
            Admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", AdminToken);
        }

        _channel = new(() => GrpcChannel.ForAddress(GrpcAddress));
        _client = new(() => new OipTestClient(_channel.Value));
    }

    public ChildProcess Process { get; }

    /// <summary>The gRPC address as the router logged it (0.0.0.0 when it listens on every interface).</summary>
    public Uri ListeningGrpc { get; }

    /// <summary>The admin address as the router logged it.</summary>
    public Uri ListeningAdmin { get; }

    /// <summary>Where a client on this machine reaches the gRPC port.</summary>
    public Uri GrpcAddress { get; }

    /// <summary>Where a client on this machine reaches the admin port.</summary>
    public Uri AdminAddress { get; }

    /// <summary><see cref="GrpcAddress"/> as <c>http://host:port</c> (no trailing slash).</summary>
    public string GrpcUrl => GrpcAddress.GetLeftPart(UriPartial.Authority);

    /// <summary><see cref="AdminAddress"/> as <c>http://host:port</c> (no trailing slash).</summary>
    public string AdminUrl => AdminAddress.GetLeftPart(UriPartial.Authority);

    /// <summary><c>host:port</c> of the gRPC port, as grpcio wants it.</summary>
    public string Target => $"{GrpcAddress.Host}:{GrpcAddress.Port}";

    /// <summary>An admin client sending <see cref="AdminToken"/> (unless the router was started without one).</summary>
    public HttpClient Admin { get; }

    /// <summary>A channel to the gRPC port, made on first use.</summary>
    public GrpcChannel Channel => _channel.Value;

    /// <summary>An OIP client over <see cref="Channel"/>.</summary>
    public OipTestClient Client => _client.Value;

    /// <summary>The file the router watches (--config).</summary>
    public string ConfigPath => Files.File("router.json");

    /// <summary>The --state-file path (written only with <see cref="RouterLaunch.StateFile"/>).</summary>
    public string StateFilePath => Files.File("state.json");

    private TempDirectory Files => _directory ?? throw new InvalidOperationException("this router was started from flags, not from a configuration of the test's");

    /// <summary>
    /// Writes <paramref name="config"/> (router.json's text) to a temp directory, starts the router on 127.0.0.1 with
    /// free ports and <see cref="AdminToken"/> in its environment, and waits for its listening line.
    /// </summary>
    public static Task<RouterProcess> StartAsync(string config) => StartAsync(config, RouterLaunch.Default);

    /// <inheritdoc cref="StartAsync(string)"/>
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

    /// <summary>Starts the router with <paramref name="args"/> and <see cref="AdminToken"/> in its environment, and waits for its listening line.</summary>
    public static async Task<RouterProcess> StartAsync(TimeSpan timeout, IReadOnlyDictionary<string, string?>? environment, params string[] args)
    {
        var process = Start(environment, args);
        try
        {
            var listening = await process.WaitForLineAsync(ListeningLine(), timeout);
            return new RouterProcess(process, null, () => StartAsync(timeout, environment, args), sendsToken: true, listening);
        }
        catch
        {
            await process.DisposeAsync();
            throw;
        }
    }

    /// <inheritdoc cref="StartAsync(TimeSpan, IReadOnlyDictionary{string, string?}?, string[])"/>
    public static Task<RouterProcess> StartAsync(TimeSpan timeout, params string[] args) => StartAsync(timeout, null, args);

    /// <summary>Starts the router executable with <see cref="AdminToken"/> in its environment, without waiting for anything.</summary>
    public static ChildProcess Start(IReadOnlyDictionary<string, string?>? environment, params string[] args)
    {
        var variables = new Dictionary<string, string?>(environment ?? new Dictionary<string, string?>()) { ["ROUTER_ADMIN_TOKEN"] = AdminToken };
        return ChildProcess.StartDotnet("router", BuiltExecutables.Router, args, variables);
    }

    /// <summary>
    /// Replaces the configuration file the way a ConfigMap update does: the new content appears at
    /// once (written aside, then renamed over), so the router never reads half a file.
    /// </summary>
    public async Task WriteConfigAsync(string config)
    {
        var aside = Files.File(".router.json.next");
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
        var next = await _relaunch();
        _ownsDirectory = false;
        return next;
    }

    /// <summary>The router's Prometheus exposition (admin port, /metrics).</summary>
    public async Task<PrometheusScrape> ScrapeAsync() => new(await Admin.GetStringAsync("/metrics"));

    /// <summary>GET /admin/models: every model, its versions, endpoints and experiment.</summary>
    public async Task<JsonElement> GetModelsAsync()
    {
        using var document = JsonDocument.Parse(await Admin.GetStringAsync("/admin/models"));
        return document.RootElement.Clone();
    }

    /// <summary>A line of /proc/&lt;pid&gt;/status in kB (VmRSS, VmHWM), or -1 once the process is gone.</summary>
    public long StatusKilobytes(string field) => ProcFs.StatusKilobytes(Process.Id, field);

    public async ValueTask DisposeAsync()
    {
        if (_channel.IsValueCreated)
        {
            _channel.Value.Dispose();
        }

        Admin.Dispose();
        await Process.DisposeAsync();
        if (_ownsDirectory)
        {
            _directory?.Dispose();
        }
    }

    private static async Task<RouterProcess> LaunchAsync(TempDirectory directory, RouterLaunch launch)
    {
        List<string> arguments =
        [
            "--config", directory.File("router.json"), "--host", launch.Host, "--port", "0",
            "--admin-port", launch.AdminPort.ToString(CultureInfo.InvariantCulture),
        ];
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

        arguments.AddRange(launch.Arguments);
        var environment = new Dictionary<string, string?>
        {
            ["ROUTER_ADMIN_TOKEN"] = launch.Token == AdminTokenSource.Environment ? AdminToken : null,
        };
        var process = ChildProcess.StartDotnet("router", BuiltExecutables.Router, arguments, environment);
        try
        {
            var listening = await process.WaitForLineAsync(ListeningLine(), StartTimeout);
            return new RouterProcess(process, directory, () => LaunchAsync(directory, launch), launch.Token != AdminTokenSource.None, listening);
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
