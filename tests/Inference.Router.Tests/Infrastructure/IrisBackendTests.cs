using Inference.Router.Tests.Fakes;

namespace Inference.Router.Tests.Infrastructure;

/// <summary>Tests against fake model servers for iris versions 1 and 2, fresh for every test, and a gRPC client.</summary>
public abstract class IrisBackendTests : IAsyncLifetime
{
    protected const string Infer = "/inference.GRPCInferenceService/ModelInfer";

    protected GrpcTestClient Client { get; } = new();

    protected FakeOipBackend V1 { get; private set; } = null!;

    protected FakeOipBackend V2 { get; private set; } = null!;

    public virtual async Task InitializeAsync()
    {
        V1 = await FakeOipBackend.StartAsync("iris", "1");
        V2 = await FakeOipBackend.StartAsync("iris", "2");
    }

    public virtual async Task DisposeAsync()
    {
        Client.Dispose();
        await V1.DisposeAsync();
        await V2.DisposeAsync();
    }
}
