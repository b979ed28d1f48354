namespace Inference.Experiments.Tests.Infrastructure;

/// <summary>
/// Makes a real concurrent change: when the tool has read <paramref name="router"/>'s state (GET
/// /admin/models answered) and before it sees the answer, someone else changes that router's
/// weights. The tool's following change is then based on a stale revision, deterministically.
/// </summary>
internal sealed class ConcurrentChange(RouterProcess router, Func<Task> change, HttpMessageHandler inner) : DelegatingHandler(inner)
{
    private int _done;

    public bool Happened => Volatile.Read(ref _done) == 1;

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var response = await base.SendAsync(request, cancellationToken);
        if (request.Method == HttpMethod.Get && request.RequestUri!.Authority == router.AdminAddress.Authority
            && request.RequestUri.AbsolutePath == "/admin/models" && Interlocked.Exchange(ref _done, 1) == 0)
        {
            await change();
        }

        return response;
    }
}
