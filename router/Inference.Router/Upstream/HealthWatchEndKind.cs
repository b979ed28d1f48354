namespace Inference.Router.Upstream;

internal enum HealthWatchEndKind
{
    /// <summary>The stream ended or failed: the replica may be going away.</summary>
    Ended,

    /// <summary>The replica does not implement Watch: rely on the periodic Check.</summary>
    NotSupported,

    /// <summary>The router stopped watching.</summary>
    Cancelled,
}
