namespace Inference.Helm.Tests.Support;

/// <summary>The values every structural test runs against: the defaults and each ci/*.yaml of the chart.</summary>
public static class ChartCases
{
    public const string Defaults = "default values";

    public static TheoryData<string> All
    {
        get
        {
            var data = new TheoryData<string> { Defaults };
            foreach (var file in Directory.EnumerateFiles(RepoPaths.ChartCiFolder, "*.yaml").Order(StringComparer.Ordinal))
            {
                data.Add(Path.GetFileName(file));
            }

            return data;
        }
    }

    internal static Task<RenderedChart> RenderAsync(string chartCase) =>
        chartCase == Defaults
            ? ChartRenderer.RenderAsync()
            : ChartRenderer.RenderAsync(Path.Combine(RepoPaths.ChartCiFolder, chartCase));
}
