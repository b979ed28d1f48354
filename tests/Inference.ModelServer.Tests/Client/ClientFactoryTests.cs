using Inference.Client;
using Inference.Contracts.Oip;
using Microsoft.Extensions.DependencyInjection;

namespace Inference.ModelServer.Tests.Client;

/// <summary>The generated client as an ASP.NET Core app registers it (<c>AddGrpcClient</c>), with the client helpers.</summary>
public sealed class ClientFactoryTests(IrisServerFixture fixture) : IClassFixture<IrisServerFixture>
{
    [Fact]
    public async Task AddGrpcClient_GivesTheGeneratedClient_WhoseAnswersTheHelpersRead()
    {
        var services = new ServiceCollection();
        services.AddGrpcClient<GRPCInferenceService.GRPCInferenceServiceClient>(options => options.Address = fixture.Server.Host.GrpcAddress);
        await using var provider = services.BuildServiceProvider();
        var client = provider.GetRequiredService<GRPCInferenceService.GRPCInferenceServiceClient>();
        var expected = IrisExpected.Load(1);

        using var call = client.ModelInferAsync(
            new ModelInferRequest { ModelName = "iris" }.AddInput<float>("input", expected.Inputs, [expected.Rows, 4]),
            deadline: DateTime.UtcNow.AddSeconds(30));
        var response = await call;

        Assert.Equal(expected.Labels, response.GetOutput<long>("label").Data);
        Assert.Equal(new ResponseTags("iris", "1", null, null), await call.GetTagsAsync());
    }
}
