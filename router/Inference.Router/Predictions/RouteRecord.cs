using System.Text.Json;
using Grpc.Core;
using Inference.PredictionLog;

namespace Inference.Router.Predictions;

/// <summary>
/// One sampled call through the router: where it was routed and how it ended. The router forwards bodies without
/// reading them, so inputs and outputs are in the model server's log (join on time, model, version and group).
/// </summary>
internal sealed class RouteRecord(
    DateTimeOffset time,
    string model,
    string version,
    string experiment,
    string group,
    string? stickyKey,
    StatusCode status,
    double latencySeconds) : IPredictionRecord
{
    public void WriteTo(Utf8JsonWriter writer, PredictionLogOptions options)
    {
        writer.WriteStartObject();
        writer.WriteString("time", time);
        writer.WriteString("source", "router");
        writer.WriteString("model", model);
        writer.WriteString("version", version);
        writer.WriteString("experiment", experiment);
        writer.WriteString("group", group);
        if (stickyKey is null)
        {
            writer.WriteNull("keyHash");
        }
        else
        {
            // Hashed here, on the writer's task: the call paid only for keeping the string.
            writer.WriteString("keyHash", KeyHash.Of(stickyKey));
        }

        writer.WriteString("status", status.ToString());
        writer.WriteNumber("latencyMs", Math.Round(latencySeconds * 1000, 3));
        writer.WriteEndObject();
    }
}
