using System.Text.Json.Serialization;

namespace Inference.ModelServer.Hosting;

/// <summary>The JSON of <c>/readyz</c>.</summary>
internal sealed record ReadyBody(
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("model")] string Model,
    [property: JsonPropertyName("version")] string Version,
    [property: JsonPropertyName("sha256")] string Sha256,
    [property: JsonPropertyName("platform")] string Platform,
    [property: JsonPropertyName("batching")] bool Batching,
    [property: JsonPropertyName("inFlight")] long InFlight);

[JsonSerializable(typeof(ReadyBody))]
internal sealed partial class ReadyBodyContext : JsonSerializerContext;
