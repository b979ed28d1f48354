namespace Inference.Router.Http2;

/// <summary>Settings of <see cref="Http2Handler"/>.</summary>
internal sealed record Http2HandlerOptions
{
    /// <summary>Our SETTINGS_INITIAL_WINDOW_SIZE: response bytes one stream may have in flight unread.</summary>
    public int StreamWindow { get; init; } = 1024 * 1024;

    /// <summary>The connection-level receive window (credited as data arrives; streams bound the memory).</summary>
    public int ConnectionWindow { get; init; } = 8 * 1024 * 1024;

    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>A connection without streams for this long is closed.</summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>After this, a connection takes no new streams and closes once its streams are done.</summary>
    public TimeSpan ConnectionLifetime { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>With streams open and nothing received for this long, a PING is sent.</summary>
    public TimeSpan KeepAlivePingDelay { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>A PING unanswered for this long fails the connection and its streams.</summary>
    public TimeSpan KeepAlivePingTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Whether waiters (response headers, body reads) resume on the connection's reading thread.
    /// Saves a thread-pool hop per call; callers must never block synchronously in those continuations.
    /// </summary>
    public bool InlineCompletions { get; init; } = true;

    /// <summary>Attempts of a request whose stream the server refused unprocessed (GOAWAY, REFUSED_STREAM).</summary>
    public int MaxRefusedAttempts { get; init; } = 3;

    public TimeProvider Time { get; init; } = TimeProvider.System;
}
