using System.Text.Json.Nodes;

namespace Inference.Images.Tests.Infrastructure;

/// <summary>A volume mounted into a container of the chart.</summary>
internal sealed record ChartMount(string MountPath, bool ReadOnly, JsonObject Volume);
