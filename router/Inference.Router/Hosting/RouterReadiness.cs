using Inference.Router.Routing;

namespace Inference.Router.Hosting;

/// <summary>
/// Ready once a configuration is applied, until shutdown begins (then requests drain). <see cref="Drained"/> fires
/// when the drain delay is over and the listeners are about to close: health Watch streams end then.
/// </summary>
internal sealed class RouterReadiness(RouterState state, ChangeSignal changes)
{
    private readonly CancellationTokenSource _drained = new();
    private volatile bool _stopping;

    public bool IsReady => !_stopping && state.Current is not null;

    public bool IsStopping => _stopping;

    public CancellationToken Drained => _drained.Token;

    public void Stopping()
    {
        _stopping = true;
        changes.Notify();
    }

    public void DrainOver() => _drained.Cancel();
}
