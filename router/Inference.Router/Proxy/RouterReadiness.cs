using Inference.Router.Routing;

namespace Inference.Router.Proxy;

/// <summary>Ready once a configuration is applied, until shutdown begins (then requests drain).</summary>
internal sealed class RouterReadiness(RouterState state)
{
    private volatile bool _stopping;

    public bool IsReady => !_stopping && state.Current is not null;

    public void Stopping() => _stopping = true;
}
