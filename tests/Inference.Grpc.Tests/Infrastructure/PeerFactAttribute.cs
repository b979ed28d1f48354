namespace Inference.Grpc.Tests;

/// <summary>A fact needing python3-grpcio: skipped when it is missing, unless peers are required.</summary>
public sealed class PeerFactAttribute : FactAttribute
{
    public PeerFactAttribute()
    {
        if (PythonPeer.Missing is { } reason && !PythonPeer.Required)
        {
            Skip = $"Interop peer missing: {reason}";
        }
    }
}
