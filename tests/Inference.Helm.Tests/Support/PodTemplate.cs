using System.Text.Json.Nodes;

namespace Inference.Helm.Tests.Support;

/// <summary>A pod template (or a pod spec fragment) and the object that owns it.</summary>
internal sealed record PodTemplate(string Owner, JsonObject Labels, JsonObject Annotations, JsonObject Spec)
{
    public IEnumerable<JsonObject> Containers => Items("containers");

    public IEnumerable<JsonObject> InitContainers => Items("initContainers");

    public IEnumerable<JsonObject> AllContainers => InitContainers.Concat(Containers);

    public IEnumerable<JsonObject> Volumes => Items("volumes");

    /// <summary>Containers that serve: regular ones and native sidecars (init containers with restartPolicy Always).</summary>
    public IEnumerable<JsonObject> LongRunningContainers =>
        Containers.Concat(InitContainers.Where(c => c["restartPolicy"]?.GetValue<string>() == "Always"));

    /// <summary>Whether a port, by name or number, is a container port of this pod.</summary>
    public bool HasContainerPort(JsonNode port) =>
        AllContainers.SelectMany(c => c["ports"]?.AsArray() ?? []).Any(p => Matches(p!, port));

    private static bool Matches(JsonNode containerPort, JsonNode port) =>
        port.GetValueKind() == System.Text.Json.JsonValueKind.String
            ? containerPort["name"]?.GetValue<string>() == port.GetValue<string>()
            : (int)containerPort["containerPort"]!.GetValue<double>() == (int)port.GetValue<double>();

    private IEnumerable<JsonObject> Items(string key) =>
        (Spec[key]?.AsArray() ?? []).Select(n => n!.AsObject());
}
