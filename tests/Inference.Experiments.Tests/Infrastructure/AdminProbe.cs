using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Inference.Experiments.Tests.Infrastructure;

/// <summary>
/// The tests' own admin client, written apart from the tool's, to arrange a router's state and to
/// check what a command really did to it.
/// </summary>
public sealed class AdminProbe(string token) : IDisposable
{
    private readonly HttpClient _http = new(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(30) };

    /// <summary>The revision and a model's weights and their source, by GET /admin/models.</summary>
    public async Task<RouterView> GetAsync(RouterProcess router, string model)
    {
        using var request = Request(HttpMethod.Get, router, "admin/models");
        using var response = await _http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"GET /admin/models: {(int)response.StatusCode} {text}");
        using var document = JsonDocument.Parse(text);
        var experiment = document.RootElement.GetProperty("models").GetProperty(model).GetProperty("experiment");
        var weights = experiment.GetProperty("weights").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetDecimal());
        return new RouterView(document.RootElement.GetProperty("revision").GetInt64(), weights, experiment.GetProperty("weightsSource").GetString()!);
    }

    /// <summary>PUT …/weights straight to one router (what someone else, or a curl, does).</summary>
    public async Task SetAsync(RouterProcess router, string model, decimal control, decimal treatment)
    {
        using var request = Request(HttpMethod.Put, router, $"admin/models/{model}/experiment/weights");
        request.Content = new StringContent(
            JsonSerializer.Serialize(new Dictionary<string, decimal> { ["control"] = control, ["treatment"] = treatment }), Encoding.UTF8, "application/json");
        using var response = await _http.SendAsync(request);
        Assert.True(response.IsSuccessStatusCode, $"PUT weights: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    public void Dispose() => _http.Dispose();

    private HttpRequestMessage Request(HttpMethod method, RouterProcess router, string path)
    {
        var request = new HttpRequestMessage(method, new Uri(router.AdminAddress, path));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return request;
    }
}
