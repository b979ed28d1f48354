namespace Inference.Router.Configuration;

/// <summary>An outcome metric an experiment accepts from callers (declared, so callers cannot create unbounded names).</summary>
public sealed record OutcomeMetricConfig(string Name, OutcomeMetricKind Kind);
