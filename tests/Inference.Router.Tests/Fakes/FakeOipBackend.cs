using System.Buffers.Binary;
using System.Net;
using Google.Protobuf;
using Inference.Contracts.Oip;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Logging;

namespace Inference.Router.Tests.Fakes;

/// <summary>
/// A stand-in OIP v2 model server on 127.0.0.1 (h2c): answers ModelInfer, ModelMetadata,
/// ModelReady and grpc.health.v1 Check with raw gRPC framing, tags responses with x-model-name and
/// x-model-version, and reports which replica answered in ModelInferResponse.id.
/// </summary>
public sealed class FakeOipBackend : IAsyncDisposable
{
    private readonly WebApplication _app;
    private int _requests;

    private FakeOipBackend(WebApplication app, string model, string version, string replica)
    {
        _app = app;
        Model = model;
        Version = version;
        Replica = replica;
        ReportedVersion = version;
    }

    public string Model { get; }

    public string Version { get; }

    public string Replica { get; }

    /// <summary>What the backend claims in x-model-version (differs to simulate a misconfiguration).</summary>
    public string ReportedVersion { get; set; }

    public bool Serving { get; set; } = true;

    /// <summary>When set, ModelInfer answers with this gRPC status instead of a result.</summary>
    public int? FailWith { get; set; }

    public int Port { get; private set; }

    public string Url => $"http://127.0.0.1:{Port}";

    public int Requests => Volatile.Read(ref _requests);

    public static async Task<FakeOipBackend> StartAsync(string model, string version, string? replica = null, int port = 0)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Limits.Http2.MaxStreamsPerConnection = 1000;
            k.Listen(IPAddress.Loopback, port, l => l.Protocols = HttpProtocols.Http2);
        });
        var app = builder.Build();
        var backend = new FakeOipBackend(app, model, version, replica ?? $"{model}-{version}");
        app.Run(backend.HandleAsync);
        await app.StartAsync();
        backend.Port = new Uri(app.Urls.First()).Port;
        return backend;
    }

    public Task StopAsync() => _app.StopAsync();

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();

    private async Task HandleAsync(HttpContext context)
    {
        Interlocked.Increment(ref _requests);
        var body = await ReadMessageAsync(context.Request);
        var response = context.Response;
        response.ContentType = "application/grpc";
        response.Headers["x-model-name"] = Model;
        response.Headers["x-model-version"] = ReportedVersion;
        switch (context.Request.Path.Value)
        {
            case "/grpc.health.v1.Health/Check":
                await WriteAsync(response, [0x08, (byte)(Serving ? 1 : 2)]);
                return;
            case "/inference.GRPCInferenceService/ModelInfer":
                var infer = ModelInferRequest.Parser.ParseFrom(body);
                if (!CheckModel(response, infer.ModelName, infer.ModelVersion))
                {
                    return;
                }

                if (FailWith is { } code)
                {
                    Fail(response, code, $"{Replica} fails on purpose");
                    return;
                }

                var result = new ModelInferResponse { ModelName = Model, ModelVersion = ReportedVersion, Id = Replica };
                result.Outputs.Add(new ModelInferResponse.Types.InferOutputTensor { Name = "echo", Datatype = "BYTES", Shape = { 1 } });
                result.RawOutputContents.Add(ByteString.CopyFromUtf8(infer.Id));
                await WriteAsync(response, result.ToByteArray());
                return;
            case "/inference.GRPCInferenceService/ModelMetadata":
                var metadata = ModelMetadataRequest.Parser.ParseFrom(body);
                if (!CheckModel(response, metadata.Name, metadata.Version))
                {
                    return;
                }

                await WriteAsync(response, new ModelMetadataResponse { Name = Model, Versions = { ReportedVersion }, Platform = "fake" }.ToByteArray());
                return;
            case "/inference.GRPCInferenceService/ModelReady":
                var ready = ModelReadyRequest.Parser.ParseFrom(body);
                if (!CheckModel(response, ready.Name, ready.Version))
                {
                    return;
                }

                await WriteAsync(response, new ModelReadyResponse { Ready = Serving }.ToByteArray());
                return;
            default:
                Fail(response, 12, "unknown method");
                return;
        }
    }

    private bool CheckModel(HttpResponse response, string name, string version)
    {
        if (name != Model || (version.Length > 0 && version != Version))
        {
            Fail(response, 5, $"{Replica} does not serve model '{name}' version '{version}'");
            return false;
        }

        return true;
    }

    private static void Fail(HttpResponse response, int code, string message)
    {
        response.Headers["grpc-status"] = code.ToString(System.Globalization.CultureInfo.InvariantCulture);
        response.Headers["grpc-message"] = message;
    }

    private static async Task WriteAsync(HttpResponse response, byte[] message)
    {
        var frame = new byte[5 + message.Length];
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(1), (uint)message.Length);
        message.CopyTo(frame, 5);
        await response.Body.WriteAsync(frame);
        response.AppendTrailer("grpc-status", "0");
    }

    private static async Task<byte[]> ReadMessageAsync(HttpRequest request)
    {
        using var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer);
        var all = buffer.ToArray();
        if (all.Length < 5)
        {
            return [];
        }

        var length = (int)BinaryPrimitives.ReadUInt32BigEndian(all.AsSpan(1));
        var message = all.AsSpan(5, Math.Min(length, all.Length - 5)).ToArray();
        if (all[0] == 1)
        {
            using var inflater = new System.IO.Compression.GZipStream(new MemoryStream(message), System.IO.Compression.CompressionMode.Decompress);
            using var plain = new MemoryStream();
            await inflater.CopyToAsync(plain);
            return plain.ToArray();
        }

        return message;
    }
}
