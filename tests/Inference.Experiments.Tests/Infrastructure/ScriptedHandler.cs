using System.Net;
using System.Text;

namespace Inference.Experiments.Tests.Infrastructure;

/// <summary>Answers requests with the given answers in turn (the last one repeats) and records the paths asked for.</summary>
internal sealed class ScriptedHandler(params (HttpStatusCode Status, string Body)[] answers) : HttpMessageHandler
{
    private readonly List<string> _paths = [];

    public IReadOnlyList<string> Paths
    {
        get
        {
            lock (_paths)
            {
                return [.. _paths];
            }
        }
    }

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        int index;
        lock (_paths)
        {
            _paths.Add($"{request.Method} {request.RequestUri!.AbsolutePath}");
            index = Math.Min(_paths.Count, answers.Length) - 1;
        }

        var (status, body) = answers[index];
        return Task.FromResult(new HttpResponseMessage(status) { Content = new StringContent(body, Encoding.UTF8, "application/json") });
    }
}
