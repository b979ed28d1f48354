using System.Security.Cryptography;
using Inference.Router.Configuration;
using Inference.Router.Metrics;
using Inference.Router.Routing;
using Microsoft.Extensions.Logging;

namespace Inference.Router.Hosting;

/// <summary>
/// Reloads the configuration file when it changes. Watches the file's directory (a Kubernetes
/// ConfigMap update swaps a symlink there rather than writing the file) and also polls, since
/// change notifications are not reliable on every file system. A change is debounced, then the
/// file is re-read; identical content is ignored, an invalid file is rejected with its reason and
/// the running configuration stays.
/// </summary>
internal sealed class ConfigFileWatcher : IDisposable
{
    private static readonly TimeSpan Debounce = TimeSpan.FromMilliseconds(200);

    private readonly string _path;
    private readonly RouterState _state;
    private readonly RouterMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly TimeSpan _pollInterval;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _changed = new(0);
    private FileSystemWatcher? _watcher;
    private byte[] _lastSeen = [];

    public ConfigFileWatcher(string path, RouterState state, RouterMetrics metrics, TimeProvider time, TimeSpan pollInterval, ILogger<ConfigFileWatcher> logger)
    {
        _path = Path.GetFullPath(path);
        _state = state;
        _metrics = metrics;
        _time = time;
        _pollInterval = pollInterval;
        _logger = logger;
    }

    /// <summary>Loads the file at startup; an invalid file is fatal here.</summary>
    public async Task LoadInitialAsync(CancellationToken cancellationToken)
    {
        var (config, hash) = Read();
        _lastSeen = hash;
        await _state.ApplyConfigAsync(config, $"loaded {_path}", cancellationToken);
        _metrics.ConfigReload("applied");
    }

    public async Task RunAsync(CancellationToken stoppingToken)
    {
        try
        {
            _watcher = new FileSystemWatcher(Path.GetDirectoryName(_path)!)
            {
                IncludeSubdirectories = false,
                NotifyFilter = NotifyFilters.FileName | NotifyFilters.DirectoryName | NotifyFilters.LastWrite | NotifyFilters.Size | NotifyFilters.CreationTime | NotifyFilters.Attributes,
            };
            FileSystemEventHandler signal = (_, _) => _changed.Release();
            _watcher.Changed += signal;
            _watcher.Created += signal;
            _watcher.Deleted += signal;
            _watcher.Renamed += (_, _) => _changed.Release();
            _watcher.Error += (_, _) => _changed.Release();
            _watcher.EnableRaisingEvents = true;
        }
        catch (Exception ex) when (ex is IOException or ArgumentException or PlatformNotSupportedException)
        {
            ConfigLog.WatchUnavailable(_logger, _path, ex.Message);
        }

        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (await _changed.WaitAsync(_pollInterval, stoppingToken))
                {
                    // Editors and ConfigMap swaps make several events; settle, then read once.
                    await Task.Delay(Debounce, _time, stoppingToken);
                    while (_changed.CurrentCount > 0)
                    {
                        await _changed.WaitAsync(stoppingToken);
                    }
                }

                await ReloadIfChangedAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
        }
    }

    /// <summary>Re-reads the file and applies it if its content changed.</summary>
    public async Task ReloadIfChangedAsync(CancellationToken cancellationToken)
    {
        byte[] bytes;
        try
        {
            bytes = await File.ReadAllBytesAsync(_path, cancellationToken);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Mid-swap or briefly missing: the next event or poll tries again.
            ConfigLog.ReadFailed(_logger, _path, ex.Message);
            return;
        }

        var hash = SHA256.HashData(bytes);
        if (hash.AsSpan().SequenceEqual(_lastSeen))
        {
            return;
        }

        _lastSeen = hash;
        RouterConfig config;
        try
        {
            config = RouterConfigParser.Parse(System.Text.Encoding.UTF8.GetString(bytes));
        }
        catch (RouterConfigException ex)
        {
            ConfigLog.Rejected(_logger, _path, ex.Message);
            _metrics.ConfigReload("rejected");
            return;
        }

        await _state.ApplyConfigAsync(config, $"reloaded {_path}", cancellationToken);
        _metrics.ConfigReload("applied");
    }

    private (RouterConfig Config, byte[] Hash) Read()
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(_path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new RouterConfigException($"cannot read {_path}: {ex.Message}", ex);
        }

        return (RouterConfigParser.Parse(System.Text.Encoding.UTF8.GetString(bytes)), SHA256.HashData(bytes));
    }

    public void Dispose()
    {
        _watcher?.Dispose();
        _changed.Dispose();
    }
}
