using System.Net;
using System.Net.Http.Headers;

namespace RouterBench;

/// <summary>
/// Thread-pool work items per call of .NET's HTTP/2 client alone, one call at a time: each work item is a hand-off
/// between threads, which at one stream is what a call waits for. Two request bodies: written once (what a unary
/// call needs) and the way YARP forwards a gRPC body (flush the headers, then each piece with a flush).
/// </summary>
internal static class Hops
{
    public static async Task<int> RunAsync(string url, string requestFile, int calls)
    {
        using var invoker = new HttpMessageInvoker(new SocketsHttpHandler { UseProxy = false, EnableMultipleHttp2Connections = true });
        var body = await File.ReadAllBytesAsync(requestFile);
        foreach (var flushed in new[] { false, true, false, true })
        {
            for (var i = 0; i < 500; i++)
            {
                await CallAsync(invoker, url, body, flushed);
            }

            var before = ThreadPool.CompletedWorkItemCount;
            for (var i = 0; i < calls; i++)
            {
                await CallAsync(invoker, url, body, flushed);
            }

            var perCall = (ThreadPool.CompletedWorkItemCount - before) / (double)calls;
            Console.WriteLine($"hops {(flushed ? "forwarder-flushes" : "written-once")} {perCall:F2}");
        }

        return 0;
    }

    private static async Task CallAsync(HttpMessageInvoker invoker, string url, byte[] body, bool flushed)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, url.TrimEnd('/') + "/inference.GRPCInferenceService/ModelInfer")
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = flushed ? new FlushedContent(body) : new ByteArrayContent(body),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/grpc");
        request.Headers.TryAddWithoutValidation("te", "trailers");
        using var response = await invoker.SendAsync(request, CancellationToken.None);
        await response.Content.CopyToAsync(Stream.Null);
    }

    /// <summary>The body as YARP's request content sends a gRPC request: headers flushed first, then the data, flushed.</summary>
    private sealed class FlushedContent(byte[] body) : HttpContent
    {
        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            await stream.FlushAsync();
            await stream.WriteAsync(body);
            await stream.FlushAsync();
        }

        protected override bool TryComputeLength(out long length)
        {
            length = -1;
            return false;
        }
    }
}
