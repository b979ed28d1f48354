using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Inference.Experiments.Admin;

/// <summary>
/// Calls the admin API of router instances, each given by its base address. Every call gives a
/// result, never an exception, so one unreachable instance cannot stop the others being changed.
/// </summary>
internal sealed class AdminClient(HttpClient http, string? token)
{
    private const int MaxErrorText = 300;

    public Task<AdminResult<ModelsView>> GetModelsAsync(Uri instance, CancellationToken cancellationToken) =>
        SendAsync(instance, HttpMethod.Get, "admin/models", content: null, ifMatch: null, AdminJsonContext.Default.ModelsView, cancellationToken);

    /// <summary><c>GET …/results</c>: the instance's experiment statistics of <paramref name="model"/>.</summary>
    public Task<AdminResult<ResultsView>> GetResultsAsync(Uri instance, string model, CancellationToken cancellationToken) =>
        SendAsync(instance, HttpMethod.Get, ExperimentPath(model, "results"), content: null, ifMatch: null, AdminJsonContext.Default.ResultsView, cancellationToken);

    /// <summary><c>PUT …/weights</c>; with <paramref name="ifMatch"/> (an ETag of GET /admin/models) it applies only at that revision.</summary>
    public Task<AdminResult<ChangeView>> SetWeightsAsync(Uri instance, string model, IReadOnlyDictionary<string, decimal> weights, string? ifMatch, CancellationToken cancellationToken)
    {
        var body = JsonSerializer.Serialize(weights, AdminJsonContext.Default.IReadOnlyDictionaryStringDecimal);
        var content = new StringContent(body, Encoding.UTF8, "application/json");
        return SendAsync(instance, HttpMethod.Put, ExperimentPath(model, "weights"), content, ifMatch, AdminJsonContext.Default.ChangeView, cancellationToken);
    }

    /// <summary><c>POST …/rollback</c>, deliberately without If-Match: a rollback applies whatever changed meanwhile.</summary>
    public Task<AdminResult<ChangeView>> RollbackAsync(Uri instance, string model, CancellationToken cancellationToken) =>
        SendAsync(instance, HttpMethod.Post, ExperimentPath(model, "rollback"), content: null, ifMatch: null, AdminJsonContext.Default.ChangeView, cancellationToken);

    private static string ExperimentPath(string model, string action) => $"admin/models/{Uri.EscapeDataString(model)}/experiment/{action}";

    private async Task<AdminResult<T>> SendAsync<T>(Uri instance, HttpMethod method, string path, HttpContent? content, string? ifMatch, JsonTypeInfo<T> type, CancellationToken cancellationToken)
        where T : class
    {
        using var request = new HttpRequestMessage(method, new Uri(instance, path)) { Content = content };
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        if (ifMatch is not null)
        {
            request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        }

        int status;
        string? etag;
        string text;
        try
        {
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken);
            status = (int)response.StatusCode;
            etag = response.Headers.ETag?.Tag;
            text = await response.Content.ReadAsStringAsync(cancellationToken);
        }
        catch (HttpRequestException ex)
        {
            return AdminResult<T>.Failed(AdminFailure.Transport($"cannot reach it: {ex.Message}"));
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // HttpClient.Timeout expired, not the caller's token.
            return AdminResult<T>.Failed(AdminFailure.Transport($"no answer within {http.Timeout.TotalSeconds:0.#} s"));
        }
        catch (IOException ex)
        {
            return AdminResult<T>.Failed(AdminFailure.Transport($"the connection failed: {ex.Message}"));
        }

        if (status is >= 200 and < 300)
        {
            try
            {
                var value = JsonSerializer.Deserialize(text, type) ?? throw new JsonException("the body is null");
                return new AdminResult<T>(value, etag, null);
            }
            catch (JsonException ex)
            {
                return AdminResult<T>.Failed(new AdminFailure(status, $"the answer is not the router admin API's JSON ({ex.Message}); is this a router admin port?"));
            }
        }

        return AdminResult<T>.Failed(ReadFailure(status, text));
    }

    private static AdminFailure ReadFailure(int status, string text)
    {
        try
        {
            if (JsonSerializer.Deserialize(text, AdminJsonContext.Default.ErrorView) is { Error: { } error } body)
            {
                return new AdminFailure(status, error, body.Revision);
            }
        }
        catch (JsonException)
        {
            // Not the router's error shape (a proxy's page, say): show the start of the text instead.
        }

        var shown = text.Trim();
        return new AdminFailure(status, shown.Length == 0 ? "(empty answer)" : shown.Length > MaxErrorText ? shown[..MaxErrorText] + "…" : shown);
    }
}
