using System.Net;
using System.Net.Sockets;

namespace Inference.Experiments.Tests.Infrastructure;

/// <summary>A loopback address where nothing listens: a router instance that is down.</summary>
internal static class ClosedPort
{
    public static string Address()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return $"http://127.0.0.1:{port}";
    }
}
