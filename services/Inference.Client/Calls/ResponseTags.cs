using Inference.Grpc;

namespace Inference.Client;

/// <summary>
/// What a response says about who answered it: the model server's <c>x-model-name</c> and
/// <c>x-model-version</c>, and, through the router, <c>x-experiment</c> and <c>x-experiment-group</c>.
/// Each is null when the response did not carry it.
/// </summary>
public sealed record ResponseTags(string? ModelName, string? ModelVersion, string? Experiment, string? ExperimentGroup)
{
    public const string ModelNameKey = "x-model-name";
    public const string ModelVersionKey = "x-model-version";
    public const string ExperimentKey = "x-experiment";
    public const string ExperimentGroupKey = "x-experiment-group";

    public static readonly ResponseTags None = new(null, null, null, null);

    /// <summary>Reads the tags from response metadata.</summary>
    public static ResponseTags From(Metadata metadata)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        return new ResponseTags(
            metadata.GetValue(ModelNameKey),
            metadata.GetValue(ModelVersionKey),
            metadata.GetValue(ExperimentKey),
            metadata.GetValue(ExperimentGroupKey));
    }

    /// <summary>The tags of a failed call (error responses are tagged too).</summary>
    public static ResponseTags From(GrpcException exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        var tags = From(exception.ResponseHeaders);
        // A trailers-only error carries its metadata with the status.
        return tags.ModelName is null && tags.Experiment is null ? From(exception.Trailers) : tags;
    }
}
