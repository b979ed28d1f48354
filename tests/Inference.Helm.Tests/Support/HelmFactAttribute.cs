namespace Inference.Helm.Tests.Support;

/// <summary>A fact that needs the chart renderer: skipped without Go unless peers are required.</summary>
internal sealed class HelmFactAttribute : FactAttribute
{
    public HelmFactAttribute()
    {
        if (GoToolchain.Missing is { } reason && !Peers.Required)
        {
            Skip = $"cannot render the chart: {reason}";
        }
    }
}
