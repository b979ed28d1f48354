using System.Buffers.Binary;
using System.Net;
using System.Net.Http.Headers;
using Inference.Benchmarks.ModelServer.Support;
using Inference.Contracts.Oip;

namespace Inference.Benchmarks.ModelServer.Commands;

/// <summary>
/// Sends a body file once over h2c and shows what h2load does not look at: the grpc-status trailer and
/// the decoded response. Exits 0 only for grpc-status 0 with a well-formed response.
/// </summary>
internal static class CheckCommand
{
    public const string Usage = "check --url http://127.0.0.1:PORT --body FILE [--count 1]";

    public static async Task<int> RunAsync(Arguments arguments, CancellationToken cancellationToken)
    {
        var baseUrl = new Uri(arguments.Required("url"));
        var body = await File.ReadAllBytesAsync(arguments.Required("body"), cancellationToken);
        var count = arguments.Int("count", 1);

        using var handler = new SocketsHttpHandler();
        using var client = new HttpClient(handler);

        var failures = 0;
        for (var i = 0; i < count; i++)
        {
            try
            {
                failures += await SendAsync(client, new Uri(baseUrl, InferRequests.Path), body, verbose: i == 0, cancellationToken) ? 0 : 1;
            }
            catch (HttpRequestException exception)
            {
                Console.WriteLine($"check: {exception.Message} {exception.InnerException?.Message}");
                failures++;
            }
        }

        Console.WriteLine($"check: {count - failures} of {count} requests with grpc-status 0");
        return failures == 0 ? 0 : 1;
    }

    private static async Task<bool> SendAsync(HttpClient client, Uri uri, byte[] body, bool verbose, CancellationToken cancellationToken)
    {
        // h2c with prior knowledge: HTTP/2 exactly, never a fallback to HTTP/1.1.
        using var request = new HttpRequestMessage(HttpMethod.Post, uri)
        {
            Content = new ByteArrayContent(body),
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/grpc");
        request.Headers.TryAddWithoutValidation("te", "trailers");

        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken);
        var payload = await response.Content.ReadAsByteArrayAsync(cancellationToken);

        // A trailers-only response carries grpc-status in the headers.
        var status = Header(response.TrailingHeaders, "grpc-status") ?? Header(response.Headers, "grpc-status");
        var message = Header(response.TrailingHeaders, "grpc-message") ?? Header(response.Headers, "grpc-message");
        if (verbose)
        {
            Console.WriteLine($"check: HTTP {(int)response.StatusCode}, content-type {response.Content.Headers.ContentType}");
            foreach (var (name, values) in response.Headers)
            {
                Console.WriteLine($"  header  {name}: {string.Join(",", values)}");
            }

            foreach (var (name, values) in response.TrailingHeaders)
            {
                Console.WriteLine($"  trailer {name}: {string.Join(",", values)}");
            }
        }

        if (response.StatusCode != HttpStatusCode.OK || status != "0")
        {
            Console.WriteLine($"check: grpc-status {status ?? "(none)"} {message}");
            return false;
        }

        if (payload.Length < 5 || payload[0] != 0 || BinaryPrimitives.ReadUInt32BigEndian(payload.AsSpan(1)) != payload.Length - 5)
        {
            Console.WriteLine($"check: the response body is not one uncompressed gRPC message ({payload.Length} bytes)");
            return false;
        }

        var decoded = ModelInferResponse.Parser.ParseFrom(payload.AsSpan(5));
        if (decoded.Outputs.Count == 0 || decoded.RawOutputContents.Count + decoded.Outputs.Count(o => o.Contents is not null) == 0)
        {
            Console.WriteLine("check: the response has no output data");
            return false;
        }

        if (verbose)
        {
            Console.WriteLine($"  response model {decoded.ModelName} version {decoded.ModelVersion}");
            for (var i = 0; i < decoded.Outputs.Count; i++)
            {
                var output = decoded.Outputs[i];
                var bytes = i < decoded.RawOutputContents.Count ? decoded.RawOutputContents[i].Length : 0;
                Console.WriteLine($"  output {output.Name} {output.Datatype} [{string.Join(", ", output.Shape)}] {bytes} raw bytes");
            }
        }

        return true;
    }

    private static string? Header(HttpHeaders headers, string name) =>
        headers.TryGetValues(name, out var values) ? values.FirstOrDefault() : null;
}
