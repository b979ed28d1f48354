namespace Inference.Router.Hosting;

/// <summary>The router's limits on what clients and files may make it hold; defaults as documented in the usage text.</summary>
internal sealed record RouterLimits
{
    /// <summary>Largest request message forwarded, as the model server's default (64 MiB).</summary>
    public int MaxReceiveMessageSize { get; init; } = 64 * 1024 * 1024;

    /// <summary>How long a request may take to deliver the part of its first message that names the model.</summary>
    public TimeSpan FirstMessageTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Client connections open at once on the gRPC port (Kestrel's MaxConcurrentConnections).</summary>
    public long MaxConnections { get; init; } = 10_000;

    public long MaxConfigBytes { get; init; } = 4 * 1024 * 1024;

    public long MaxStateBytes { get; init; } = Routing.StateStore.DefaultMaxBytes;

    /// <summary>Largest admin API request body; the weights of one experiment fit in a few hundred bytes.</summary>
    public long MaxAdminBodyBytes { get; init; } = 64 * 1024;
}
