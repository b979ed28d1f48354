namespace Inference.Router.Tests.Infrastructure;

/// <summary>What a raw gRPC call returned: status, message, response headers, the first message and the trailers.</summary>
public sealed record GrpcCallResult(int Status, string? Message, IReadOnlyDictionary<string, string> Headers, byte[]? Payload,
    IReadOnlyDictionary<string, string>? Trailers = null)
{
    public string Header(string name) => Headers.TryGetValue(name, out var value) ? value : "";

    public string Trailer(string name) => Trailers is not null && Trailers.TryGetValue(name, out var value) ? value : "";
}
