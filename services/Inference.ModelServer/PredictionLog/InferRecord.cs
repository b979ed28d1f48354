using System.Text.Json;
using Grpc.Core;
using Inference.Contracts.Oip;
using Inference.PredictionLog;

namespace Inference.ModelServer.PredictionLog;

/// <summary>One sampled ModelInfer call of the model server: formatted on the log's writer task, not on the call's.</summary>
internal sealed class InferRecord(
    DateTimeOffset time,
    string model,
    string version,
    string? experiment,
    string? group,
    ModelInferRequest request,
    ModelInferResponse? response,
    StatusCode status,
    double latencySeconds) : IPredictionRecord
{
    public void WriteTo(Utf8JsonWriter writer, PredictionLogOptions options)
    {
        writer.WriteStartObject();
        writer.WriteString("time", time);
        writer.WriteString("source", "modelserver");
        writer.WriteString("requestId", request.Id);
        writer.WriteString("model", model);
        writer.WriteString("version", version);
        WriteOptional(writer, "experiment", experiment);
        WriteOptional(writer, "group", group);
        writer.WriteString("status", status.ToString());
        writer.WriteNumber("latencyMs", Math.Round(latencySeconds * 1000, 3));
        PayloadJson.Write(writer, "request", request, options.MaxPayloadBytes);
        if (response is null)
        {
            writer.WriteNull("response");
        }
        else
        {
            PayloadJson.Write(writer, "response", response, options.MaxPayloadBytes);
        }

        writer.WriteEndObject();
    }

    private static void WriteOptional(Utf8JsonWriter writer, string name, string? value)
    {
        if (value is null)
        {
            writer.WriteNull(name);
        }
        else
        {
            writer.WriteString(name, value);
        }
    }
}
