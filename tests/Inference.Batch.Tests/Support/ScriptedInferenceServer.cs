using System.Net;
using Grpc.Core;
using Grpc.Net.Client;
using Inference.Contracts;
using Inference.Contracts.Oip;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Inference.Batch.Tests.Support;

/// <summary>
/// An OIP server on Grpc.AspNetCore (127.0.0.1, a free port) that forwards to a real model server, and lets a test
/// decide, call by call, to fail a ModelInfer call or to hold it until released.
/// </summary>
internal sealed class ScriptedInferenceServer : GRPCInferenceService.GRPCInferenceServiceBase, IAsyncDisposable
{
    private readonly GrpcChannel _channel;
    private readonly GRPCInferenceService.GRPCInferenceServiceClient _upstream;
    private WebApplication? _app;
    private int _inferCalls;

    private ScriptedInferenceServer(string upstream)
    {
        _channel = GrpcChannel.ForAddress("http://" + upstream);
        _upstream = new GRPCInferenceService.GRPCInferenceServiceClient(_channel);
    }

    /// <summary>Runs before each ModelInfer call is forwarded, given its number (from 1): throw to fail it, await to hold it.</summary>
    public Func<int, Task> BeforeInfer { get; set; } = _ => Task.CompletedTask;

    public int InferCalls => Volatile.Read(ref _inferCalls);

    public string Target { get; private set; } = "";

    public static async Task<ScriptedInferenceServer> StartAsync(string upstream)
    {
        var server = new ScriptedInferenceServer(upstream);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, o => o.Protocols = HttpProtocols.Http2));
        builder.Services.AddGrpc();
        builder.Services.AddSingleton(server);
        var app = builder.Build();
        app.MapGrpcService<ScriptedInferenceServer>();
        await app.StartAsync();
        server._app = app;
        var address = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        server.Target = $"127.0.0.1:{address.Port}";
        return server;
    }

    public override async Task<ModelMetadataResponse> ModelMetadata(ModelMetadataRequest request, ServerCallContext context)
    {
        using var call = _upstream.ModelMetadataAsync(request, cancellationToken: context.CancellationToken);
        var response = await call.ResponseAsync;
        var headers = await call.ResponseHeadersAsync;
        await context.WriteResponseHeadersAsync(new Metadata
        {
            { InferenceHeaders.ModelVersion, headers.GetValue(InferenceHeaders.ModelVersion) ?? "" },
            { InferenceHeaders.ModelSha256, headers.GetValue(InferenceHeaders.ModelSha256) ?? "" },
        });
        return response;
    }

    public override async Task<ModelInferResponse> ModelInfer(ModelInferRequest request, ServerCallContext context)
    {
        await BeforeInfer(Interlocked.Increment(ref _inferCalls)).WaitAsync(context.CancellationToken);
        return await _upstream.ModelInferAsync(request, cancellationToken: context.CancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }

        _channel.Dispose();
    }
}
