using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using Inference.Testing;

namespace RouterBench;

/// <summary>
/// Sample calls around each load: h2load counts every HTTP 200 as a success, but a gRPC error is an
/// HTTP 200 too. These read the grpc-status and the response metadata the way a gRPC client does.
/// </summary>
internal static class Probe
{
    public static async Task<int> RunAsync(string url, string requestFile, string[] options)
    {
        var headers = new List<(string, string)>();
        var expected = new List<(string, string)>();
        var count = 3;
        for (var i = 0; i + 1 < options.Length; i += 2)
        {
            var (name, value) = Split(options[i + 1]);
            switch (options[i])
            {
                case "--header":
                    headers.Add((name, value));
                    break;
                case "--expect":
                    expected.Add((name, value));
                    break;
                case "--count":
                    count = int.Parse(options[i + 1], CultureInfo.InvariantCulture);
                    break;
                default:
                    await Console.Error.WriteLineAsync($"probe: unknown option {options[i]}");
                    return 2;
            }
        }

        var body = await File.ReadAllBytesAsync(requestFile);
        using var client = new HttpMessageInvoker(new SocketsHttpHandler { UseProxy = false });
        for (var call = 0; call < count; call++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, url.TrimEnd('/') + "/inference.GRPCInferenceService/ModelInfer")
            {
                Version = HttpVersion.Version20,
                VersionPolicy = HttpVersionPolicy.RequestVersionExact,
                Content = new ByteArrayContent(body),
            };
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/grpc");
            request.Headers.TryAddWithoutValidation("te", "trailers");
            foreach (var (name, value) in headers)
            {
                request.Headers.TryAddWithoutValidation(name, value);
            }

            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            using var response = await client.SendAsync(request, timeout.Token);
            await response.Content.ReadAsByteArrayAsync(timeout.Token);
            // Trailers-only errors carry the status in the headers.
            var status = Find(response, "grpc-status");
            var problems = new List<string>();
            if (response.StatusCode != HttpStatusCode.OK)
            {
                problems.Add($"HTTP {(int)response.StatusCode}");
            }

            if (status != "0")
            {
                problems.Add($"grpc-status {status ?? "missing"} ({Uri.UnescapeDataString(Find(response, "grpc-message") ?? "")})");
            }

            foreach (var (name, value) in expected)
            {
                var actual = Find(response, name);
                if (actual != value)
                {
                    problems.Add($"{name} is '{actual}', expected '{value}'");
                }
            }

            if (problems.Count > 0)
            {
                await Console.Error.WriteLineAsync($"probe {url} [{string.Join(" ", headers.Select(h => $"{h.Item1}={h.Item2}"))}] call {call + 1}: {string.Join("; ", problems)}");
                return 1;
            }
        }

        Console.WriteLine($"probe {url}: {count} calls, grpc-status 0{string.Concat(expected.Select(e => $", {e.Item1}={e.Item2}"))}");
        return 0;
    }

    /// <summary>
    /// Every router_requests_total series with a grpc_code other than OK must be zero. The labels are matched in any
    /// order, so the exposition of any router build is read.
    /// </summary>
    public static async Task<int> CheckRouterMetricsAsync(string adminUrl)
    {
        using var client = new HttpClient();
        var metrics = await PrometheusScrape.GetAsync(client, new Uri(adminUrl.TrimEnd('/') + "/metrics"));
        var ok = metrics.Sum("router_requests_total", ("grpc_code", "OK"));
        var failed = metrics.Series("router_requests_total")
            .Where(labels => labels.GetValueOrDefault("grpc_code") != "OK")
            .Select(labels => (Labels: labels, Value: metrics.Sum("router_requests_total", labels.Select(l => (l.Key, l.Value)).ToArray())))
            .Where(series => series.Value > 0)
            .Select(series => $"router_requests_total{{{string.Join(',', series.Labels.Select(l => $"{l.Key}=\"{l.Value}\""))}}} {series.Value}")
            .ToList();

        if (failed.Count > 0 || ok == 0)
        {
            await Console.Error.WriteLineAsync($"router counted failed calls (OK: {ok}):\n{string.Join("\n", failed)}");
            return 1;
        }

        Console.WriteLine($"router metrics: {ok} calls, all OK");
        return 0;
    }

    private static (string Name, string Value) Split(string option)
    {
        var equals = option.IndexOf('=');
        return equals < 0 ? (option, "") : (option[..equals], option[(equals + 1)..]);
    }

    private static string? Find(HttpResponseMessage response, string name) =>
        response.TrailingHeaders.NonValidated.TryGetValues(name, out var trailer) ? trailer.ToString()
        : response.Headers.NonValidated.TryGetValues(name, out var header) ? header.ToString()
        : null;
}
