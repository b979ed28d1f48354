namespace Inference.Helm.Tests.Support;

/// <summary>A theory that needs the chart renderer: skipped without Go unless peers are required.</summary>
internal sealed class HelmTheoryAttribute : TheoryAttribute
{
    public HelmTheoryAttribute()
    {
        if (GoToolchain.Missing is { } reason && !Peers.Required)
        {
            Skip = $"cannot render the chart: {reason}";
        }
    }
}
