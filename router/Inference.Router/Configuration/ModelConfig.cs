namespace Inference.Router.Configuration;

/// <summary>One model: its versions and the experiment that chooses among them.</summary>
public sealed record ModelConfig
{
    /// <summary>The model name, as clients put it in field 1 of their requests.</summary>
    public required string Name { get; init; }

    /// <summary>Versions by name (ordinal).</summary>
    public required IReadOnlyDictionary<string, ModelVersionConfig> Versions { get; init; }

    /// <summary>
    /// The experiment. A model configured with a single version and no experiment gets an implicit
    /// one named <c>default</c> with a single group <c>default</c>.
    /// </summary>
    public required ExperimentConfig Experiment { get; init; }

    /// <summary>True when the file had no experiment section and <see cref="Experiment"/> was implied.</summary>
    public bool ExperimentImplied { get; init; }
}
