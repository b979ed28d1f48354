using System.Text.Json;
using Inference.Router.Hosting;

namespace Inference.Router.Routing;

/// <summary>
/// Persists admin weight changes so they survive a restart. Written atomically (temporary file in
/// the same directory, then rename) so a crash never leaves a half-written file.
/// </summary>
internal sealed class StateStore(string path, long maxBytes = StateStore.DefaultMaxBytes)
{
    /// <summary>Default of --max-state-bytes: the file holds weights per model, a few hundred bytes each.</summary>
    public const long DefaultMaxBytes = 1024 * 1024;

    public string Path { get; } = path;

    public Dictionary<string, WeightOverride> Load()
    {
        var result = new Dictionary<string, WeightOverride>(StringComparer.Ordinal);
        if (!File.Exists(Path))
        {
            return result;
        }

        using var document = JsonDocument.Parse(BoundedFile.Read(Path, maxBytes, "--max-state-bytes"));
        if (!document.RootElement.TryGetProperty("models", out var models) || models.ValueKind != JsonValueKind.Object)
        {
            throw new InvalidDataException("the state file has no 'models' object");
        }

        foreach (var model in models.EnumerateObject())
        {
            var weights = new Dictionary<string, decimal>(StringComparer.Ordinal);
            foreach (var weight in model.Value.GetProperty("weights").EnumerateObject())
            {
                weights[weight.Name] = weight.Value.GetDecimal();
            }

            result[model.Name] = new WeightOverride(
                model.Name,
                model.Value.GetProperty("experimentFingerprint").GetString() ?? "",
                weights,
                model.Value.TryGetProperty("changedBy", out var by) ? by.GetString() ?? "" : "",
                model.Value.TryGetProperty("changedAt", out var at) ? at.GetDateTimeOffset() : DateTimeOffset.MinValue,
                ReadRollback(model.Value));
        }

        return result;
    }

    private static RollbackRecord? ReadRollback(JsonElement model) =>
        model.TryGetProperty("rollback", out var rollback) && rollback.ValueKind == JsonValueKind.Object
            ? new RollbackRecord(
                rollback.GetProperty("by").GetString() ?? "",
                rollback.GetProperty("reason").GetString() ?? "",
                rollback.GetProperty("at").GetDateTimeOffset())
            : null;

    public void Save(IReadOnlyDictionary<string, WeightOverride> overrides) =>
        AtomicJsonFile.Write(Path, writer =>
        {
            writer.WriteStartObject();
            writer.WriteStartObject("models");
            foreach (var entry in overrides.Values.OrderBy(o => o.Model, StringComparer.Ordinal))
            {
                writer.WriteStartObject(entry.Model);
                writer.WriteString("experimentFingerprint", entry.ExperimentFingerprint);
                writer.WriteStartObject("weights");
                foreach (var (group, weight) in entry.Weights)
                {
                    writer.WriteNumber(group, weight);
                }

                writer.WriteEndObject();
                writer.WriteString("changedBy", entry.ChangedBy);
                writer.WriteString("changedAt", entry.ChangedAt);
                entry.Rollback?.Write(writer);

                writer.WriteEndObject();
            }

            writer.WriteEndObject();
            writer.WriteEndObject();
        });
}
