using Inference.Client;
using Grpc.Core;

namespace Inference.EndToEnd.Tests.Infrastructure;

/// <summary>
/// One ModelInfer call of a load run: its sticky key, the test phase when it was sent and when it
/// ended, the status, the response tags, and which version's reference outputs the answer carried.
/// </summary>
internal sealed record CallRecord(
    long Sequence,
    string Key,
    int PhaseAtStart,
    int PhaseAtEnd,
    StatusCode Status,
    string? Detail,
    ResponseTags Tags,
    string? MessageVersion,
    string? OutputsVersion)
{
    public bool Ok => Status == StatusCode.OK;

    /// <summary>Tags complete, and tag, message and outputs all name the same version.</summary>
    public bool Truthful =>
        Ok
        && Tags.ModelName == "iris"
        && Tags.Experiment is { Length: > 0 }
        && Tags.ExperimentGroup is { Length: > 0 }
        && Tags.ModelVersion is { Length: > 0 }
        && Tags.ModelVersion == MessageVersion
        && Tags.ModelVersion == OutputsVersion;

    public override string ToString() =>
        $"#{Sequence} key={Key} phases={PhaseAtStart}..{PhaseAtEnd} status={Status} '{Detail}' tags={Tags.ModelName}/{Tags.ModelVersion}/{Tags.Experiment}/{Tags.ExperimentGroup} message={MessageVersion} outputs={OutputsVersion}";
}
