using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Inference.Router.Hosting;
using Inference.Router.Routing;
using Inference.Testing;
using Microsoft.Extensions.Logging;

namespace Inference.Router.Tests.Infrastructure;

/// <summary>A router on 127.0.0.1 port 0 with its configuration in a temporary directory.</summary>
internal sealed class TestRouter : IAsyncDisposable
{
    public const string Token = "test-admin-token";

    private readonly TempDirectory? _ownDirectory;

    private TestRouter(RouterHost host, LogSink logs, string directory, TempDirectory? ownDirectory, string configPath, string? token)
    {
        Host = host;
        _ownDirectory = ownDirectory;
        Logs = logs;
        Directory = directory;
        ConfigPath = configPath;
        Admin = new HttpClient { BaseAddress = new Uri(host.AdminUrl) };
        if (token is not null)
        {
            Admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
    }

    public RouterHost Host { get; }

    public LogSink Logs { get; }

    public string Directory { get; }

    public string ConfigPath { get; }

    public string GrpcUrl => Host.GrpcUrl;

    public HttpClient Admin { get; }

    public static async Task<TestRouter> StartAsync(
        string config,
        string? token = Token,
        string? directory = null,
        string? stateFile = null,
        IRandomSource? random = null,
        string host = "127.0.0.1",
        string? tokenFile = null,
        Func<string, CancellationToken, Task<System.Net.IPAddress[]>>? resolve = null,
        RouterLimits? limits = null,
        Action<LogSink>? configureLogs = null,
        Func<RouterOptions, RouterOptions>? configure = null)
    {
        var ownDirectory = directory is null ? new TempDirectory("router") : null;
        directory ??= ownDirectory!.Path;
        var configPath = Path.Combine(directory, "router.json");
        if (!File.Exists(configPath) || config.Length > 0)
        {
            await File.WriteAllTextAsync(configPath, config);
        }

        var logs = new LogSink();
        configureLogs?.Invoke(logs);
        var options = new RouterOptions
        {
            ConfigPath = configPath,
            Host = host,
            Port = 0,
            AdminPort = 0,
            AdminToken = tokenFile is null ? token : File.ReadAllText(tokenFile).Trim(),
            AdminTokenFile = tokenFile,
            StateFile = stateFile,
            Resolve = resolve,
            ConfigPollInterval = TimeSpan.FromMilliseconds(500),
            // Tests that need the drain delay run the executable (ExecutableTests).
            DrainDelay = TimeSpan.Zero,
            Limits = limits ?? new RouterLimits(),
            Random = random ?? SharedRandomSource.Instance,
            ConfigureLogging = logging =>
            {
                logging.ClearProviders();
                logging.AddProvider(logs);
                if (logs.MinimumLevel < LogLevel.Information)
                {
                    logging.AddFilter("Inference", logs.MinimumLevel);
                }
            },
        };
        options = configure?.Invoke(options) ?? options;
        var routerHost = await RouterHost.StartAsync(options, CancellationToken.None);
        return new TestRouter(routerHost, logs, directory, ownDirectory, configPath, options.AdminToken);
    }

    /// <summary>Rewrites the configuration file the way an editor or a ConfigMap update would: a new file renamed over the old.</summary>
    public async Task ReplaceConfigAsync(string config)
    {
        var temporary = ConfigPath + ".new";
        await File.WriteAllTextAsync(temporary, config);
        File.Move(temporary, ConfigPath, overwrite: true);
    }

    public long Revision => ((RouterState)Host.Services.GetService(typeof(RouterState))!).Current!.Revision;

    public async Task<JsonElement> GetModelsAsync()
    {
        var text = await Admin.GetStringAsync("/admin/models");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    public Task<HttpResponseMessage> PutWeightsAsync(string model, string json, string? ifMatch = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Put, $"/admin/models/{model}/experiment/weights")
        {
            Content = new StringContent(json, Encoding.UTF8, "application/json"),
        };
        if (ifMatch is not null)
        {
            request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        }

        return Admin.SendAsync(request);
    }

    public Task<HttpResponseMessage> RollbackAsync(string model, string? ifMatch = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"/admin/models/{model}/experiment/rollback");
        if (ifMatch is not null)
        {
            request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        }

        return Admin.SendAsync(request);
    }

    public async Task<PrometheusScrape> ScrapeAsync() => new(await Admin.GetStringAsync("/metrics"));

    /// <summary>
    /// The value of the sample written as in the exposition, <c>name{label="value",…}</c> (labels in any order), or null.
    /// </summary>
    public async Task<double?> MetricAsync(string sample)
    {
        var brace = sample.IndexOf('{');
        var name = brace < 0 ? sample : sample[..brace];
        var labels = brace < 0
            ? []
            : sample[(brace + 1)..^1].Split(',').Select(pair => pair.Split('=', 2)).Select(kv => (kv[0], kv[1].Trim('"'))).ToArray();
        return (await ScrapeAsync()).Find(name, labels);
    }

    public async ValueTask DisposeAsync()
    {
        Admin.Dispose();
        await Host.DisposeAsync();
        _ownDirectory?.Dispose();
    }
}
