using System.Security.Cryptography;
using Inference.Router.Configuration;
using Inference.Router.Metrics;
using Inference.Router.Routing;

namespace Inference.Router.Hosting;

/// <summary>
/// Reloads the configuration file when it changes (<see cref="WatchedFile"/>): identical content is
/// ignored, an invalid file is rejected with its reason and the running configuration stays.
/// </summary>
internal sealed class ConfigFileWatcher : IDisposable
{
    private readonly WatchedFile _file;
    private readonly RouterState _state;
    private readonly RouterMetrics _metrics;
    private readonly ILogger _logger;
    private readonly long _maxBytes;
    private byte[] _lastSeen = [];

    public ConfigFileWatcher(string path, long maxBytes, RouterState state, RouterMetrics metrics, TimeProvider time, TimeSpan pollInterval, ILogger<ConfigFileWatcher> logger)
    {
        _maxBytes = maxBytes;
        _file = new WatchedFile(path, time, pollInterval, logger);
        _state = state;
        _metrics = metrics;
        _logger = logger;
    }

    private const string MaxBytesFlag = "--max-config-bytes";

    private string FilePath => _file.Path;

    /// <summary>Loads the file at startup; an invalid file is fatal here.</summary>
    public async Task LoadInitialAsync(CancellationToken cancellationToken)
    {
        var (config, hash) = Read();
        _lastSeen = hash;
        await _state.ApplyConfigAsync(config, $"loaded {FilePath}", cancellationToken);
        _metrics.ConfigReload("applied");
    }

    public Task RunAsync(CancellationToken stoppingToken) => _file.RunAsync(ReloadIfChangedAsync, stoppingToken);

    /// <summary>Re-reads the file and applies it if its content changed.</summary>
    public async Task ReloadIfChangedAsync(CancellationToken cancellationToken)
    {
        byte[] bytes;
        try
        {
            bytes = BoundedFile.Read(FilePath, _maxBytes, MaxBytesFlag);
        }
        catch (InvalidDataException ex)
        {
            // Too large to read: rejected like an invalid file, once per change of its size.
            var marker = BitConverter.GetBytes(new FileInfo(FilePath).Length);
            if (!marker.AsSpan().SequenceEqual(_lastSeen))
            {
                _lastSeen = marker;
                ConfigLog.Rejected(_logger, FilePath, ex.Message);
                _metrics.ConfigReload("rejected");
            }

            return;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Mid-swap or briefly missing: the next event or poll tries again.
            ConfigLog.ReadFailed(_logger, FilePath, ex.Message);
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
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Whatever the parser throws, a file it cannot take is rejected and the running configuration stays.
            ConfigLog.Rejected(_logger, FilePath, ex.Message);
            _metrics.ConfigReload("rejected");
            return;
        }

        await _state.ApplyConfigAsync(config, $"reloaded {FilePath}", cancellationToken);
        _metrics.ConfigReload("applied");
    }

    private (RouterConfig Config, byte[] Hash) Read()
    {
        byte[] bytes;
        try
        {
            bytes = BoundedFile.Read(FilePath, _maxBytes, MaxBytesFlag);
        }
        catch (InvalidDataException ex)
        {
            throw new RouterConfigException(ex.Message, ex);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new RouterConfigException($"cannot read {FilePath}: {ex.Message}", ex);
        }

        return (RouterConfigParser.Parse(System.Text.Encoding.UTF8.GetString(bytes)), SHA256.HashData(bytes));
    }

    public void Dispose() => _file.Dispose();
}
