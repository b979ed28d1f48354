using System.Text.Json;
using System.Text.Json.Serialization;

namespace Inference.Experiments.Admin;

/// <summary>The admin API's JSON, read and written without reflection. Unknown fields are ignored so a newer router still reads.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(ModelsView))]
[JsonSerializable(typeof(ChangeView))]
[JsonSerializable(typeof(ResultsView))]
[JsonSerializable(typeof(ErrorView))]
[JsonSerializable(typeof(IReadOnlyDictionary<string, decimal>))]
internal sealed partial class AdminJsonContext : JsonSerializerContext;
