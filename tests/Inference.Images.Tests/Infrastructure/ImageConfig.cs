using System.Text.Json.Nodes;

namespace Inference.Images.Tests.Infrastructure;

/// <summary>An image's configuration (what it runs, as whom, its labels) and its layers with their sizes.</summary>
internal sealed record ImageConfig(
    string User,
    IReadOnlyList<string> Entrypoint,
    IReadOnlyList<string> Cmd,
    IReadOnlyDictionary<string, string> Labels,
    IReadOnlyDictionary<string, string> Environment,
    IReadOnlyList<string> ExposedPorts,
    IReadOnlyList<string>? Healthcheck,
    string Architecture,
    IReadOnlyList<(string Digest, long Size)> Layers)
{
    /// <summary>Uncompressed bytes of every layer.</summary>
    public long Size => Layers.Sum(l => l.Size);

    /// <summary>Bytes of the layers this image adds to <paramref name="baseImage"/>.</summary>
    public long SizeAbove(ImageConfig baseImage)
    {
        var shared = baseImage.Layers.Select(l => l.Digest).ToHashSet(StringComparer.Ordinal);
        return Layers.Where(l => !shared.Contains(l.Digest)).Sum(l => l.Size);
    }

    public static ImageConfig Parse(JsonObject inspect)
    {
        // The Docker form of the configuration carries the HEALTHCHECK as well (the images are built in it).
        var config = (inspect["Docker"]?["config"] ?? inspect["OCIv1"]!["config"])!.AsObject();
        var manifest = JsonNode.Parse(inspect["Manifest"]!.GetValue<string>())!;
        return new ImageConfig(
            config["User"]?.GetValue<string>() ?? "",
            Strings(config["Entrypoint"]),
            Strings(config["Cmd"]),
            (config["Labels"]?.AsObject() ?? []).ToDictionary(p => p.Key, p => p.Value!.GetValue<string>()),
            Strings(config["Env"]).Select(e => e.Split('=', 2)).ToDictionary(e => e[0], e => e.Length > 1 ? e[1] : ""),
            (config["ExposedPorts"]?.AsObject() ?? []).Select(p => p.Key).Order(StringComparer.Ordinal).ToList(),
            config["Healthcheck"]?["Test"] is { } test ? Strings(test) : null,
            (inspect["Docker"]?["architecture"] ?? inspect["OCIv1"]!["architecture"])!.GetValue<string>(),
            manifest["layers"]!.AsArray().Select(l => (l!["digest"]!.GetValue<string>(), l["size"]!.GetValue<long>())).ToList());
    }

    private static List<string> Strings(JsonNode? array) =>
        array is JsonArray items ? items.Select(i => i!.GetValue<string>()).ToList() : [];
}
