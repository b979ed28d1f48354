namespace Inference.Router.Routing;

/// <summary>Randomness for assignment without a sticky key and for load balancing; injected so tests are deterministic.</summary>
internal interface IRandomSource
{
    /// <summary>A uniformly distributed integer in [0, <paramref name="maxExclusive"/>).</summary>
    int Next(int maxExclusive);
}
