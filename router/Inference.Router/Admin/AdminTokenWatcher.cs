using Inference.Router.Hosting;

namespace Inference.Router.Admin;

/// <summary>
/// Re-reads <c>--admin-token-file</c> when it changes, so a rotated Kubernetes Secret (updated in
/// place through a symlink swap) takes effect without a restart. An empty or unreadable file keeps
/// the previous token: locking everyone out of the admin API would block a rollback.
/// </summary>
internal sealed class AdminTokenWatcher : IDisposable
{
    private readonly WatchedFile _file;
    private readonly AdminAuth _auth;
    private readonly ILogger _logger;
    private string? _lastProblem;

    public AdminTokenWatcher(string path, AdminAuth auth, TimeProvider time, TimeSpan pollInterval, ILogger<AdminTokenWatcher> logger)
    {
        _file = new WatchedFile(path, time, pollInterval, logger);
        _auth = auth;
        _logger = logger;
    }

    public Task RunAsync(CancellationToken stoppingToken) => _file.RunAsync(ReloadIfChangedAsync, stoppingToken);

    /// <summary>Reads the file and replaces the token if it holds a different, non-empty one.</summary>
    public Task ReloadIfChangedAsync(CancellationToken cancellationToken)
    {
        if (AdminTokenFile.TryRead(_file.Path, out var problem) is not { } token)
        {
            Problem(problem);
            return Task.CompletedTask;
        }

        _lastProblem = null;
        if (!_auth.IsCurrent(token))
        {
            _auth.Replace(token);
            AdminLog.TokenReloaded(_logger, _file.Path, _auth.Identity);
        }

        return Task.CompletedTask;
    }

    // Polled every few seconds: a lasting problem is logged once, not on every poll.
    private void Problem(string reason)
    {
        if (reason != _lastProblem)
        {
            _lastProblem = reason;
            AdminLog.TokenFileUnusable(_logger, _file.Path, reason);
        }
    }

    public void Dispose() => _file.Dispose();
}
