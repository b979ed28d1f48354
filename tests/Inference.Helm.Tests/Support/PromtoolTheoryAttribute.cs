namespace Inference.Helm.Tests.Support;

/// <summary>A theory that runs promtool: skipped without it (or without Go, if it renders the chart) unless peers are required.</summary>
internal sealed class PromtoolTheoryAttribute : TheoryAttribute
{
    public PromtoolTheoryAttribute(bool rendersChart = false) => Skip = Promtool.SkipReason(rendersChart);
}
