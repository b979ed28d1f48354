using System.Net;
using System.Net.Sockets;

namespace Inference.Testing;

/// <summary>A loopback port where nothing listens: a server that is down, or a replica that is gone.</summary>
public static class ClosedPort
{
    public static int Number()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    public static string Address() => $"http://127.0.0.1:{Number()}";
}
