namespace Inference.Grpc.Client;

/// <summary>Per-call settings.</summary>
public readonly record struct CallOptions
{
    /// <summary>Custom request metadata.</summary>
    public Metadata? Headers { get; init; }

    /// <summary>Absolute deadline (UTC). Sent as grpc-timeout; the call fails locally with DEADLINE_EXCEEDED when it passes.</summary>
    public DateTime? Deadline { get; init; }

    /// <summary>Relative deadline, an alternative to <see cref="Deadline"/> (the earlier of the two wins).</summary>
    public TimeSpan? Timeout { get; init; }

    /// <summary>Cancels the call (the stream is reset; the call fails with CANCELLED).</summary>
    public CancellationToken CancellationToken { get; init; }

    /// <summary>Request message encoding for this call ("gzip"); null uses the channel's setting.</summary>
    public string? Compression { get; init; }
}
