using System.Text.Json;
using Inference.Router.Routing;

namespace Inference.Router.Admin;

/// <summary>The experiment's safe-rollout fields in GET /admin/models: the last rollback, the shadow and the guard.</summary>
internal static class RolloutsJson
{
    public static void Write(Utf8JsonWriter writer, ExperimentRoute experiment, double nowSeconds)
    {
        if (experiment.Rollback is { } rollback)
        {
            rollback.Write(writer);
        }
        else
        {
            writer.WriteNull("rollback");
        }

        if (experiment.Config.Shadow is { } shadow)
        {
            writer.WriteStartObject("shadow");
            writer.WriteString("version", shadow.Version);
            writer.WriteNumber("percent", shadow.Percent);
            writer.WriteNumber("absoluteTolerance", shadow.AbsoluteTolerance);
            writer.WriteNumber("relativeTolerance", shadow.RelativeTolerance);
            writer.WriteEndObject();
        }
        else
        {
            writer.WriteNull("shadow");
        }

        if (experiment.Guard is { } guard)
        {
            var config = guard.Config;
            writer.WriteStartObject("guard");
            writer.WriteNumber("windowSeconds", config.Window.TotalSeconds);
            writer.WriteNumber("minRequests", config.MinRequests);
            writer.WriteNumber("maxErrorRateIncrease", config.MaxErrorRateIncrease);
            writer.WriteNumber("maxP99LatencyRatio", config.MaxP99LatencyRatio);
            writer.WriteBoolean("judging", experiment.Rollback is null);
            writer.WriteStartObject("window");
            foreach (var figures in guard.Figures(nowSeconds))
            {
                writer.WriteStartObject(figures.Group);
                writer.WriteNumber("calls", figures.Calls);
                writer.WriteNumber("faults", figures.Faults);
                writer.WriteNumber("p99Seconds", figures.P99Seconds);
                writer.WriteEndObject();
            }

            writer.WriteEndObject();
            writer.WriteEndObject();
        }
        else
        {
            writer.WriteNull("guard");
        }
    }
}
