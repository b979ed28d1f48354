namespace Inference.Contracts;

/// <summary>
/// The gRPC metadata keys Inference adds to responses (and reads from requests). One definition for the model
/// server, the router, the .NET client and the tests.
/// </summary>
public static class InferenceHeaders
{
    /// <summary>Response: the model that answered.</summary>
    public const string ModelName = "x-model-name";

    /// <summary>Response: the version that computed the answer.</summary>
    public const string ModelVersion = "x-model-version";

    /// <summary>Response (ModelMetadata): the SHA-256 of the served model file.</summary>
    public const string ModelSha256 = "x-model-sha256";

    /// <summary>Response: the experiment the call was routed by.</summary>
    public const string Experiment = "x-experiment";

    /// <summary>
    /// Response: the group that served the call (<c>pinned</c> when the request named a version). Request: the group
    /// a caller asks for, when the experiment allows overrides.
    /// </summary>
    public const string ExperimentGroup = "x-experiment-group";

    /// <summary>Response: the group the call was assigned to when its version was unavailable and control served it.</summary>
    public const string ExperimentFallback = "x-experiment-fallback";

    /// <summary>The group value of calls that named a version and so bypassed the experiment.</summary>
    public const string PinnedGroup = "pinned";
}
