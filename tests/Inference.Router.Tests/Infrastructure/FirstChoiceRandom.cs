using Inference.Router.Routing;

namespace Inference.Router.Tests.Infrastructure;

/// <summary>A random source that always draws 0: the first endpoint of a version is tried first, a call without a sticky key lands in bucket 0.</summary>
internal sealed class FirstChoiceRandom : IRandomSource
{
    public int Next(int maxExclusive) => 0;
}
