namespace Inference.Grpc.Client;

/// <summary>The type-independent face of a call, for the call wrappers.</summary>
internal interface IGrpcCallState : IDisposable
{
    Task<Metadata> GetResponseHeadersAsync();

    Status GetStatus();

    Metadata GetTrailers();
}
