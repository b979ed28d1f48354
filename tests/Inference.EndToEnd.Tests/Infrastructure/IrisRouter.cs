using System.Text;
using System.Text.Json;

namespace Inference.EndToEnd.Tests.Infrastructure;

/// <summary>The admin API of a router serving the test experiment on model iris (<see cref="RouterConfigFile"/>).</summary>
internal static class IrisRouter
{
    extension(RouterProcess router)
    {
        /// <summary>The revision, weights in force and where they come from, by the admin API.</summary>
        public async Task<(long Revision, Weights Weights, string Source)> GetWeightsAsync()
        {
            var models = await router.GetModelsAsync();
            var experiment = models.GetProperty("models").GetProperty("iris").GetProperty("experiment");
            var weights = experiment.GetProperty("weights");
            return (
                models.GetProperty("revision").GetInt64(),
                new Weights(weights.GetProperty("control").GetDouble(), weights.GetProperty("treatment").GetDouble()),
                experiment.GetProperty("weightsSource").GetString()!);
        }

        /// <summary>PUT …/experiment/weights; fails the test unless the router accepts it.</summary>
        public async Task SetWeightsAsync(double control, double treatment)
        {
            using var response = await router.Admin.PutAsync("/admin/models/iris/experiment/weights", WeightsBody(control, treatment));
            Assert.True(response.IsSuccessStatusCode, $"weights change refused: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }

        /// <summary>POST …/experiment/rollback; fails the test unless the router accepts it.</summary>
        public async Task RollbackAsync()
        {
            using var response = await router.Admin.PostAsync("/admin/models/iris/experiment/rollback", null);
            Assert.True(response.IsSuccessStatusCode, $"rollback refused: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }

        /// <summary>Whether the router currently balances to the endpoint <paramref name="endpoint"/> (by its admin API).</summary>
        public async Task<bool> IsAvailableAsync(string endpoint)
        {
            var models = await router.GetModelsAsync();
            foreach (var version in models.GetProperty("models").GetProperty("iris").GetProperty("versions").EnumerateObject())
            {
                foreach (var candidate in version.Value.GetProperty("endpoints").EnumerateArray())
                {
                    if (candidate.GetProperty("address").GetString() == endpoint)
                    {
                        return candidate.GetProperty("available").GetBoolean();
                    }
                }
            }

            throw new InvalidOperationException($"the router does not know endpoint {endpoint}:\n{models}");
        }
    }

    /// <summary>The body of a weights change.</summary>
    public static StringContent WeightsBody(double control, double treatment) =>
        new(JsonSerializer.Serialize(new Dictionary<string, double> { ["control"] = control, ["treatment"] = treatment }), Encoding.UTF8, "application/json");
}
