namespace Inference.Router.Routing;

/// <summary>
/// Weights set through the admin API for one model's experiment, remembered with the fingerprint
/// of the experiment section they were made against so a later file change can supersede them.
/// After a rollback it also says who did it and why, until weights are set again.
/// </summary>
internal sealed record WeightOverride(
    string Model,
    string ExperimentFingerprint,
    IReadOnlyDictionary<string, decimal> Weights,
    string ChangedBy,
    DateTimeOffset ChangedAt,
    RollbackRecord? Rollback = null);
