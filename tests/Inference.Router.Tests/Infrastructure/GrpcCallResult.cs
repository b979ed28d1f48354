namespace Inference.Router.Tests.Infrastructure;

/// <summary>What a raw gRPC call returned: status, message, response headers and the first message.</summary>
public sealed record GrpcCallResult(int Status, string? Message, IReadOnlyDictionary<string, string> Headers, byte[]? Payload)
{
    public string Header(string name) => Headers.TryGetValue(name, out var value) ? value : "";
}
