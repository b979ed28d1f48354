namespace Inference.Experiments.Reports;

/// <summary>One version's endpoints on one instance: how many, how many pass health checks, how many get traffic.</summary>
internal sealed record StatusVersion(int Endpoints, int Healthy, int Available, bool Panic);
