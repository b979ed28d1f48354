using System.Text.Json.Serialization;
using Inference.Experiments.Reports;

namespace Inference.Experiments.Output;

/// <summary>The <c>--json</c> documents. Absent values are written as null so every field is always there for scripts.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = true)]
[JsonSerializable(typeof(StatusReport))]
[JsonSerializable(typeof(ChangeReport))]
[JsonSerializable(typeof(ResultsReport))]
internal sealed partial class ReportJsonContext : JsonSerializerContext;
