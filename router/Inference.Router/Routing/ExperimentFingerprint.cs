using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Inference.Router.Configuration;

namespace Inference.Router.Routing;

/// <summary>A stable digest of an experiment section as configured, insensitive to JSON formatting.</summary>
internal static class ExperimentFingerprint
{
    public static string Compute(ExperimentConfig experiment)
    {
        var text = new StringBuilder()
            .Append(experiment.Name).Append('\n')
            .Append(experiment.StickyHeader).Append('\n')
            .Append(experiment.AllowOverride).Append('\n')
            .Append(experiment.Control).Append('\n');
        foreach (var group in experiment.Groups)
        {
            text.Append(group.Name).Append('\t').Append(group.Version).Append('\t')
                .Append(group.Weight.ToString("0.############################", CultureInfo.InvariantCulture)).Append('\n');
        }

        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
    }
}
