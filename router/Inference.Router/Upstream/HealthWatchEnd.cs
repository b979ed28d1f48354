namespace Inference.Router.Upstream;

/// <summary>Why a grpc.health.v1.Health/Watch stream ended.</summary>
internal readonly record struct HealthWatchEnd(HealthWatchEndKind Kind, string Reason)
{
    public static HealthWatchEnd NotSupported { get; } = new(HealthWatchEndKind.NotSupported, "Watch is UNIMPLEMENTED");

    public static HealthWatchEnd Cancelled { get; } = new(HealthWatchEndKind.Cancelled, "stopped");

    public static HealthWatchEnd Failed(string reason) => new(HealthWatchEndKind.Ended, reason);
}
