namespace Inference.Helm.Tests.Support;

/// <summary>A fact that runs promtool: skipped without it (or without Go, if it renders the chart) unless peers are required.</summary>
internal sealed class PromtoolFactAttribute : FactAttribute
{
    public PromtoolFactAttribute(bool rendersChart = false) => Skip = Promtool.SkipReason(rendersChart);
}
