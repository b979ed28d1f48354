namespace Inference.Router.Guard;

/// <summary>One group's calls in the guard's window: how many, how many were server faults, and the p99 latency.</summary>
internal readonly record struct GroupFigures(string Group, long Calls, long Faults, double P99Seconds)
{
    public double FaultRate => Calls == 0 ? 0 : (double)Faults / Calls;
}
