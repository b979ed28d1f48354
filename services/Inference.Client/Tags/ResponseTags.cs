using Grpc.Core;
using Inference.Contracts;

namespace Inference.Client;

/// <summary>
/// What a response says about who answered it: the model server's <c>x-model-name</c> and <c>x-model-version</c>,
/// and, through the router, <c>x-experiment</c> and <c>x-experiment-group</c>. Each is null when the response did not
/// carry it.
/// </summary>
public sealed record ResponseTags(string? ModelName, string? ModelVersion, string? Experiment, string? ExperimentGroup)
{
    public static readonly ResponseTags None = new(null, null, null, null);

    /// <summary>Reads the tags from response metadata (a call's response headers, or its trailers).</summary>
    public static ResponseTags From(Metadata metadata)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        return new ResponseTags(
            metadata.GetValue(InferenceHeaders.ModelName),
            metadata.GetValue(InferenceHeaders.ModelVersion),
            metadata.GetValue(InferenceHeaders.Experiment),
            metadata.GetValue(InferenceHeaders.ExperimentGroup));
    }

    /// <summary>
    /// The tags of a failed call whose error came without response headers (a trailers-only response, which carries
    /// its metadata with the status); for an error sent after headers, read <see cref="CallTagsExtensions.GetTagsAsync{T}"/>.
    /// </summary>
    public static ResponseTags From(RpcException exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        return From(exception.Trailers);
    }

    /// <summary>Whether any tag is set.</summary>
    public bool IsEmpty => ModelName is null && ModelVersion is null && Experiment is null && ExperimentGroup is null;
}
