using Inference.Contracts;

namespace Inference.Router.Tests.Infrastructure;

/// <summary>One call of a <see cref="ContinuousLoad"/>: its sticky key, the phases it started and ended in, and its result.</summary>
internal sealed record LoadCall(string User, long StartPhase, long EndPhase, GrpcCallResult Result)
{
    public string Group => Result.Header(InferenceHeaders.ExperimentGroup);

    public string Version => Result.Header(InferenceHeaders.ModelVersion);
}
