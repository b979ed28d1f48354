namespace Inference.Router.Hosting;

/// <summary>The admin listener's port, known once Kestrel has bound it (port 0 picks one at start).</summary>
internal sealed class ListenerPorts
{
    private volatile int _admin = -1;

    public int Admin
    {
        get => _admin;
        set => _admin = value;
    }
}
