namespace Inference.Router.Hosting;

/// <summary>The router's two listeners; every endpoint it maps belongs to one of them.</summary>
internal enum RouterListener
{
    /// <summary>The gRPC port: the router's own gRPC services, the forwarded calls and the gRPC fallback.</summary>
    Grpc,

    /// <summary>The admin port: the admin API, /metrics and the probes.</summary>
    Admin,
}
