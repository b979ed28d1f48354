using Inference.EndToEnd.Tests.Infrastructure;

namespace Inference.EndToEnd.Tests.Rollouts;

/// <summary>
/// Shadow traffic over real model servers: version "3" is the shadow; pointed at the iris v2 server it computes
/// something different from control (v1) and is reported as disagreeing on the right outputs; pointed at a server of
/// the v1 model it computes the same and agrees; down, it changes nothing for callers.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class ShadowTests(IrisStack stack)
{
    private const int Calls = 60;

    private static async Task<double> ShadowCountAsync(RouterProcess router, string result) =>
        (await router.ScrapeAsync()).Find("router_shadow_requests_total", ("model", "iris"), ("version", "3"), ("primary", "1"), ("result", result)) ?? 0;

    private static async Task CallAsync(RouterProcess router)
    {
        for (var i = 0; i < Calls; i++)
        {
            var (request, row) = IrisCalls.RowRequest(i, $"shadow-{i}");
            var answer = await router.Client.ModelInferAsync(request);
            // The caller's answer is control's, whatever the shadow does.
            Assert.Equal(("1", "control"), (answer.Tags.ModelVersion, answer.Tags.ExperimentGroup));
            Assert.Equal("1", IrisCalls.VersionOfOutputs(answer.Message, row));
        }
    }

    [Fact]
    public async Task ShadowOfADifferentModel_Disagrees_OnItsOutputs()
    {
        await using var router = await RouterProcess.StartAsync(RolloutConfig.Shadow(stack.V1.Endpoint, stack.V2.Endpoint, stack.V2.Endpoint));
        await CallAsync(router);

        await Wait.CountAsync(Calls, () => ShadowCountAsync(router, "disagreed"), "copies reported as disagreeing");
        var scrape = await router.ScrapeAsync();
        Assert.Equal(Calls, scrape.Find("router_shadow_requests_total", ("version", "3"), ("result", "sent")));
        Assert.Null(scrape.Find("router_shadow_requests_total", ("version", "3"), ("result", "agreed")));
        // The reference outputs of v1 and v2 differ on every row: probabilities beyond tolerance on every copy.
        Assert.Equal(Calls, scrape.Find("router_shadow_max_abs_difference_count", ("version", "3"), ("output", "probabilities")));
        Assert.Equal(0, scrape.Find("router_shadow_max_abs_difference_bucket", ("version", "3"), ("output", "probabilities"), ("le", "1E-05")));
        // Where the models' labels differ, the rows say so; they agree on no more rows than they have.
        var agreed = scrape.Find("router_shadow_classifier_rows_total", ("output", "label"), ("result", "agreed")) ?? 0;
        var disagreed = scrape.Find("router_shadow_classifier_rows_total", ("output", "label"), ("result", "disagreed")) ?? 0;
        Assert.Equal(Calls, agreed + disagreed);
        Assert.Equal(IrisDisagreeingLabels(), disagreed);
        Assert.Contains("Shadow: model 'iris' version '3' disagrees with version '1' on request id 'shadow-", router.Process.Output, StringComparison.Ordinal);
        Assert.Contains("output 'probabilities': ", router.Process.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ShadowOfTheSameModel_Agrees()
    {
        // Version "3" served by a server of the v1 model: the same computation under another name.
        await using var router = await RouterProcess.StartAsync(RolloutConfig.Shadow(stack.V1.Endpoint, stack.V2.Endpoint, stack.V1.Endpoint));
        await CallAsync(router);

        await Wait.CountAsync(Calls, () => ShadowCountAsync(router, "agreed"), "copies reported as agreeing");
        var scrape = await router.ScrapeAsync();
        Assert.Null(scrape.Find("router_shadow_requests_total", ("version", "3"), ("result", "disagreed")));
        Assert.Equal(Calls, scrape.Find("router_shadow_classifier_rows_total", ("output", "label"), ("result", "agreed")));
        Assert.Equal(Calls, scrape.Find("router_shadow_max_abs_difference_bucket", ("version", "3"), ("output", "probabilities"), ("le", "0")));
        Assert.DoesNotContain("disagrees", router.Process.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ShadowThatIsDown_ChangesNothingForCallers()
    {
        // Nothing listens there: every copy fails, no call does.
        await using var router = await RouterProcess.StartAsync(RolloutConfig.Shadow(stack.V1.Endpoint, stack.V2.Endpoint, "http://127.0.0.1:9"));
        await CallAsync(router);

        await Wait.CountAsync(Calls, () => ShadowCountAsync(router, "failed"), "copies reported as failed");
        var scrape = await router.ScrapeAsync();
        Assert.Equal(Calls, scrape.Find("router_requests_total", ("model", "iris"), ("group", "control"), ("grpc_code", "OK")));
        Assert.Null(scrape.Find("router_requests_total", ("model", "iris"), ("group", "control"), ("grpc_code", "UNAVAILABLE")));
    }

    // The rows (of the first Calls reference rows, as RowRequest chooses them) where v1 and v2 predict different labels.
    private static int IrisDisagreeingLabels()
    {
        var v1 = IrisExpected.For("1");
        var v2 = IrisExpected.For("2");
        var count = 0;
        for (var i = 0; i < Calls; i++)
        {
            var row = i % v1.Rows;
            count += v1.Labels[row] != v2.Labels[row] ? 1 : 0;
        }

        return count;
    }
}
