namespace Inference.Experiments.Reports;

/// <summary>One model on one instance.</summary>
internal sealed record StatusModel(
    string Experiment,
    string Control,
    IReadOnlyDictionary<string, decimal> Weights,
    string WeightsSource,
    IReadOnlyDictionary<string, StatusVersion> Versions,
    Admin.RollbackView? Rollback = null);
