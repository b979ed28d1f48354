using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Inference.Router.Hosting;
using Inference.Router.Routing;
using Microsoft.Extensions.Logging;

namespace Inference.Router.Tests.Infrastructure;

/// <summary>A router on 127.0.0.1 port 0 with its configuration in a temporary directory.</summary>
internal sealed class TestRouter : IAsyncDisposable
{
    public const string Token = "test-admin-token";

    private TestRouter(RouterHost host, LogSink logs, string directory, string configPath, string? token)
    {
        Host = host;
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
        string host = "127.0.0.1")
    {
        directory ??= TempDirectory.Create();
        var configPath = Path.Combine(directory, "router.json");
        if (!File.Exists(configPath) || config.Length > 0)
        {
            await File.WriteAllTextAsync(configPath, config);
        }

        var logs = new LogSink();
        var options = new RouterOptions
        {
            ConfigPath = configPath,
            Host = host,
            Port = 0,
            AdminPort = 0,
            AdminToken = token,
            StateFile = stateFile,
            ConfigPollInterval = TimeSpan.FromMilliseconds(500),
            Random = random ?? SharedRandomSource.Instance,
            ConfigureLogging = logging =>
            {
                logging.ClearProviders();
                logging.AddProvider(logs);
            },
        };
        var routerHost = await RouterHost.StartAsync(options, CancellationToken.None);
        return new TestRouter(routerHost, logs, directory, configPath, token);
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

    public Task<HttpResponseMessage> PutWeightsAsync(string model, string json) =>
        Admin.PutAsync($"/admin/models/{model}/experiment/weights", new StringContent(json, Encoding.UTF8, "application/json"));

    public Task<HttpResponseMessage> RollbackAsync(string model) =>
        Admin.PostAsync($"/admin/models/{model}/experiment/rollback", null);

    public async ValueTask DisposeAsync()
    {
        Admin.Dispose();
        await Host.DisposeAsync();
    }
}
