using System.Text.Json.Nodes;

namespace Inference.Helm.Tests.Support;

/// <summary>One rendered Kubernetes object and the template it came from.</summary>
internal sealed record Manifest(string Source, JsonObject Object)
{
    public string Kind => Object["kind"]!.GetValue<string>();

    public string Name => Object["metadata"]!["name"]!.GetValue<string>();

    public JsonObject Labels => Object["metadata"]?["labels"]?.AsObject() ?? [];

    public JsonObject Spec => Object["spec"]!.AsObject();

    public override string ToString() => $"{Kind}/{Name} ({Source})";
}
