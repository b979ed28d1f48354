namespace Inference.Router.Proxy;

/// <summary>Names of the response metadata the router adds.</summary>
internal static class ResponseTags
{
    public const string ModelName = "x-model-name";
    public const string ModelVersion = "x-model-version";
    public const string Experiment = "x-experiment";
    public const string ExperimentGroup = "x-experiment-group";
}
