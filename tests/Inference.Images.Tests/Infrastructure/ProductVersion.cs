using System.Text.RegularExpressions;

namespace Inference.Images.Tests.Infrastructure;

/// <summary>The one version of the product: &lt;Version&gt; in Directory.Build.props.</summary>
internal static partial class ProductVersion
{
    [GeneratedRegex(@"<Version>(?<version>[^<]+)</Version>")]
    private static partial Regex VersionElement();

    [GeneratedRegex(@"^appVersion:\s*""?(?<version>[^""\s]+)""?\s*$", RegexOptions.Multiline)]
    private static partial Regex AppVersionLine();

    public static string Value =>
        Assert.Single(VersionElement().Matches(File.ReadAllText(RepoPaths.File("Directory.Build.props")))).Groups["version"].Value;

    /// <summary>appVersion of helm/inference/Chart.yaml.</summary>
    public static string ChartAppVersion =>
        Assert.Single(AppVersionLine().Matches(File.ReadAllText(Path.Combine(RepoPaths.Chart, "Chart.yaml")))).Groups["version"].Value;
}
