namespace Inference.Router.Routing;

/// <summary>The process-wide thread-safe generator.</summary>
internal sealed class SharedRandomSource : IRandomSource
{
    public static readonly SharedRandomSource Instance = new();

    public int Next(int maxExclusive) => Random.Shared.Next(maxExclusive);
}
