namespace Inference.Router.Hosting;

/// <summary>
/// Calls back when a file may have changed. Watches the file's directory (a Kubernetes ConfigMap or
/// Secret update swaps a symlink there rather than writing the file) and also polls, since change
/// notifications are not reliable on every file system. A burst of events is debounced into one call;
/// the callback compares content itself.
/// </summary>
internal sealed class WatchedFile : IDisposable
{
    private static readonly TimeSpan Debounce = TimeSpan.FromMilliseconds(200);

    private readonly TimeProvider _time;
    private readonly TimeSpan _pollInterval;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _changed = new(0);
    private FileSystemWatcher? _watcher;

    public WatchedFile(string path, TimeProvider time, TimeSpan pollInterval, ILogger logger)
    {
        Path = System.IO.Path.GetFullPath(path);
        _time = time;
        _pollInterval = pollInterval;
        _logger = logger;
    }

    public string Path { get; }

    /// <summary>Runs <paramref name="maybeChanged"/> after every change notification and every poll interval until stopped.</summary>
    public async Task RunAsync(Func<CancellationToken, Task> maybeChanged, CancellationToken stoppingToken)
    {
        try
        {
            _watcher = new FileSystemWatcher(System.IO.Path.GetDirectoryName(Path)!)
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
            ConfigLog.WatchUnavailable(_logger, Path, ex.Message);
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

                await maybeChanged(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                // Whatever one reload threw, the file stays watched: the next change must still be seen.
                ConfigLog.CallbackFailed(_logger, Path, ex);
            }
        }
    }

    public void Dispose()
    {
        _watcher?.Dispose();
        _changed.Dispose();
    }
}
