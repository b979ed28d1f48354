namespace Inference.Experiments.Tests.Infrastructure;

/// <summary>Never answers requests to <paramref name="silent"/> (until cancelled); passes the others on.</summary>
internal sealed class SilentHandler(Uri silent, HttpMessageHandler inner) : DelegatingHandler(inner)
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (request.RequestUri!.Authority == silent.Authority)
        {
            await Task.Delay(Timeout.InfiniteTimeSpan, cancellationToken);
        }

        return await base.SendAsync(request, cancellationToken);
    }
}
