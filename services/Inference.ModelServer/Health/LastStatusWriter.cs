using Grpc.Core;
using Grpc.Health.V1;

namespace Inference.ModelServer.Health;

/// <summary>Writes health statuses through and remembers the last one written.</summary>
internal sealed class LastStatusWriter(IServerStreamWriter<HealthCheckResponse> inner) : IServerStreamWriter<HealthCheckResponse>
{
    public HealthCheckResponse.Types.ServingStatus? Last { get; private set; }

    public WriteOptions? WriteOptions
    {
        get => inner.WriteOptions;
        set => inner.WriteOptions = value;
    }

    public async Task WriteAsync(HealthCheckResponse message)
    {
        await inner.WriteAsync(message).ConfigureAwait(false);
        Last = message.Status;
    }
}
