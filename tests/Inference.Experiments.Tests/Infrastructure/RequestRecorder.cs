namespace Inference.Experiments.Tests.Infrastructure;

/// <summary>Passes requests on and keeps their method, path and If-Match header.</summary>
internal sealed class RequestRecorder(HttpMessageHandler inner) : DelegatingHandler(inner)
{
    private readonly List<(HttpMethod Method, string Path, string? IfMatch)> _requests = [];

    public IReadOnlyList<(HttpMethod Method, string Path, string? IfMatch)> Requests
    {
        get
        {
            lock (_requests)
            {
                return [.. _requests];
            }
        }
    }

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var ifMatch = request.Headers.TryGetValues("If-Match", out var values) ? string.Join(",", values) : null;
        lock (_requests)
        {
            _requests.Add((request.Method, request.RequestUri!.AbsolutePath, ifMatch));
        }

        return base.SendAsync(request, cancellationToken);
    }
}
