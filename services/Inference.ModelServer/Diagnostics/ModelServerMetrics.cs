using System.Diagnostics.Metrics;
using Grpc.Core;
using Inference.Engine.Diagnostics;
using Inference.Engine.Model;
using Inference.ModelServer.Memory;

namespace Inference.ModelServer.Diagnostics;

/// <summary>
/// The per-call instruments of the inference service (the engine has its own: <see cref="EngineMetrics"/>). Names
/// are the Prometheus names of the design; tag sets that do not depend on the call are built once.
/// </summary>
internal sealed class ModelServerMetrics
{
    public const string MeterName = "Inference.ModelServer";

    private static readonly string[] CodeNames =
    [
        "OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND", "ALREADY_EXISTS",
        "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION", "ABORTED", "OUT_OF_RANGE",
        "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS", "UNAUTHENTICATED",
    ];

    private readonly Counter<long> _requests;
    private readonly Histogram<double> _requestDuration;
    private readonly KeyValuePair<string, object?> _modelTag;
    private readonly KeyValuePair<string, object?> _versionTag;

    public ModelServerMetrics(IMeterFactory meterFactory, InferenceModel model, MemoryBudget budget)
    {
        var meter = meterFactory.Create(MeterName);
        KeyValuePair<string, object?>[] modelTags = [new("model", model.Name), new("version", model.Version)];
        meter.CreateObservableGauge(
            "inference_in_flight_bytes", () => new Measurement<long>(budget.InFlight, modelTags), unit: "By",
            description: "Bytes of request messages in flight (the memory budget's use).");
        meter.CreateObservableGauge(
            "inference_memory_budget_bytes", () => new Measurement<long>(budget.Limit, modelTags), unit: "By",
            description: "The memory budget: most bytes of request messages in flight at once (--max-in-flight-bytes).");
        _requests = meter.CreateCounter<long>(
            "inference_requests_total", unit: null, description: "gRPC inference service calls, by method and status.");
        _requestDuration = meter.CreateHistogram<double>(
            "inference_request_duration_seconds",
            unit: "s",
            description: "Time from a call's start to its response, by method.",
            tags: null,
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = EngineMetrics.DurationBuckets });
        _modelTag = new("model", model.Name);
        _versionTag = new("version", model.Version);
    }

    /// <summary>The grpc_code label of a status code.</summary>
    public static string CodeName(StatusCode code) => (uint)code < (uint)CodeNames.Length ? CodeNames[(int)code] : "UNKNOWN";

    public void RequestCompleted(string method, StatusCode code, double seconds)
    {
        if (_requests.Enabled)
        {
            _requests.Add(1, [_modelTag, _versionTag, new("method", method), new("grpc_code", CodeName(code))]);
        }

        if (_requestDuration.Enabled)
        {
            _requestDuration.Record(seconds, [_modelTag, _versionTag, new("method", method)]);
        }
    }
}
