namespace Inference.Experiments.Reports;

/// <summary>An experiment's statistics added up over every instance, with the tests.</summary>
internal sealed record ResultsReport
{
    public string Command => "results";

    public required string Model { get; init; }

    /// <summary>The experiment the statistics belong to; null when no instance answered.</summary>
    public string? Experiment { get; init; }

    public string? Control { get; init; }

    /// <summary>The earliest start of the statistics on any instance.</summary>
    public DateTimeOffset? StartedAt { get; init; }

    /// <summary>The weights in force (of the first instance that answered).</summary>
    public IReadOnlyDictionary<string, decimal>? Weights { get; init; }

    /// <summary>The latest weight change during the experiment on any instance; null if none.</summary>
    public DateTimeOffset? WeightsChangedAt { get; init; }

    public required IReadOnlyList<ResultsInstance> Instances { get; init; }

    public required int Failed { get; init; }

    /// <summary>Why the instances' answers could not all be added up (different experiments or weights); null if they could.</summary>
    public string? Diverged { get; init; }

    public required IReadOnlyList<GroupAssignment> Groups { get; init; }

    public SampleRatioReport? SampleRatio { get; init; }

    public required IReadOnlyList<MetricReport> Metrics { get; init; }

    public required int ExitCode { get; init; }
}

/// <summary>One instance: what it runs, or why it could not be read.</summary>
internal sealed record ResultsInstance(string Instance, string? Experiment, int? StatusCode, string? Error);

/// <summary>Requests assigned to a group by weight, against what its weight expects.</summary>
internal sealed record GroupAssignment(string Group, decimal Weight, long Assigned, double Expected);

/// <summary>The sample-ratio-mismatch check.</summary>
/// <param name="Judged">False when the test cannot be trusted (weights changed, too few requests, one group): then <see cref="Mismatch"/> is null.</param>
internal sealed record SampleRatioReport(double? ChiSquare, int DegreesOfFreedom, double? PValue, bool Judged, bool? Mismatch, string? Note);

/// <summary>One outcome metric: per group its estimate and the comparison with control.</summary>
internal sealed record MetricReport(string Metric, string Kind, IReadOnlyList<MetricGroupReport> Groups);

/// <summary>A group's mean or rate with a 95% interval, its comparison with control (null for control), and a warning when n is too small.</summary>
internal sealed record MetricGroupReport
{
    public required string Group { get; init; }

    public required long N { get; init; }

    public long? Successes { get; init; }

    /// <summary>The mean (numbers) or rate (booleans).</summary>
    public double? Value { get; init; }

    public double? Low { get; init; }

    public double? High { get; init; }

    public ComparisonReport? VersusControl { get; init; }

    public string? Warning { get; init; }
}

/// <summary>Group − control: difference and relative lift with 95% intervals, and the p-value.</summary>
internal sealed record ComparisonReport(
    double? Difference,
    double? DifferenceLow,
    double? DifferenceHigh,
    double? Lift,
    double? LiftLow,
    double? LiftHigh,
    double? PValue,
    double? DegreesOfFreedom,
    string Test);
