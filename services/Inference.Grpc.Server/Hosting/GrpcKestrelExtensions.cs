using System.Net;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Inference.Grpc.Server;

public static class GrpcKestrelExtensions
{
    /// <summary>
    /// Listens for gRPC: HTTP/2 only. Without a certificate, cleartext h2c with prior knowledge;
    /// with one, TLS with ALPN "h2". Port 0 picks a free port (see the server's addresses).
    /// </summary>
    public static void ListenGrpc(this KestrelServerOptions options, IPAddress address, int port, X509Certificate2? certificate = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(address);
        options.Listen(address, port, listen => listen.UseGrpc(certificate));
    }

    /// <summary>Configures an endpoint for gRPC (HTTP/2; TLS when a certificate is given).</summary>
    public static ListenOptions UseGrpc(this ListenOptions listen, X509Certificate2? certificate = null)
    {
        ArgumentNullException.ThrowIfNull(listen);
        listen.Protocols = HttpProtocols.Http2;
        if (certificate is not null)
        {
            listen.UseHttps(certificate);
        }

        return listen;
    }
}
