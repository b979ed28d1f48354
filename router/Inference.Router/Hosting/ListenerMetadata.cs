namespace Inference.Router.Hosting;

/// <summary>Endpoint metadata: the listener an endpoint answers on (<see cref="ListenerMatcherPolicy"/>).</summary>
internal sealed record ListenerMetadata(RouterListener Listener)
{
    public static readonly ListenerMetadata Grpc = new(RouterListener.Grpc);

    public static readonly ListenerMetadata Admin = new(RouterListener.Admin);
}
