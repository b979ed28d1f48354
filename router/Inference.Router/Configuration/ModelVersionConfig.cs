namespace Inference.Router.Configuration;

/// <summary>One version of a model and the replicas that serve it.</summary>
public sealed record ModelVersionConfig
{
    /// <summary>The version name, as the model server reports it in <c>x-model-version</c>.</summary>
    public required string Name { get; init; }

    /// <summary>
    /// Replica addresses (<c>http://host:port</c>, HTTP/2 cleartext). A host that is a DNS name is
    /// re-resolved periodically and every address it resolves to becomes an endpoint.
    /// </summary>
    public required IReadOnlyList<Uri> Endpoints { get; init; }
}
