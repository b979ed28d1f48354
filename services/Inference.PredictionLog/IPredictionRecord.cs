using System.Text.Json;

namespace Inference.PredictionLog;

/// <summary>One sampled call, formatted by the log's writer task (off the call's path) as one JSON object.</summary>
public interface IPredictionRecord
{
    void WriteTo(Utf8JsonWriter writer, PredictionLogOptions options);
}
