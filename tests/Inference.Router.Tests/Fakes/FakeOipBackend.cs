using System.Buffers.Binary;
using System.Net;
using System.Threading.Channels;
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
/// ModelReady and grpc.health.v1 Check and Watch with raw gRPC framing, tags responses with x-model-name
/// and x-model-version, and reports which replica answered in ModelInferResponse.id.
/// </summary>
public sealed class FakeOipBackend : IAsyncDisposable
{
    private const string GrpcHealthCheck = "/grpc.health.v1.Health/Check";
    private const string GrpcHealthWatch = "/grpc.health.v1.Health/Watch";

    private readonly WebApplication _app;
    private readonly Lock _watchLock = new();
    private readonly List<Channel<bool>> _watchers = [];
    private int _requests;
    private int _checks;
    private int _watches;
    private volatile bool _serving = true;
    private TaskCompletionSource _checkRelease = CompletedSource();

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

    /// <summary>The health status for Check and Watch; a change is pushed to open Watch streams at once.</summary>
    public bool Serving
    {
        get => _serving;
        set
        {
            lock (_watchLock)
            {
                _serving = value;
                foreach (var watcher in _watchers)
                {
                    watcher.Writer.TryWrite(value);
                }
            }
        }
    }

    /// <summary>When false, Watch answers UNIMPLEMENTED (a server with Check only).</summary>
    public bool WatchSupported { get; set; } = true;

    /// <summary>When true, Check calls get no answer until <see cref="AnswerChecks"/> (a busy replica).</summary>
    public bool HoldChecks
    {
        get => !_checkRelease.Task.IsCompleted;
        set
        {
            if (value == HoldChecks)
            {
                return;
            }

            if (value)
            {
                _checkRelease = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }
            else
            {
                _checkRelease.TrySetResult();
            }
        }
    }

    /// <summary>Check calls received (answered or not).</summary>
    public int Checks => Volatile.Read(ref _checks);

    /// <summary>Watch calls received.</summary>
    public int Watches => Volatile.Read(ref _watches);

    /// <summary>Open Watch streams.</summary>
    public int OpenWatches
    {
        get
        {
            lock (_watchLock)
            {
                return _watchers.Count;
            }
        }
    }

    /// <summary>When set, ModelInfer answers with this gRPC status instead of a result.</summary>
    public int? FailWith { get; set; }

    public int Port { get; private set; }

    public string Url => $"http://127.0.0.1:{Port}";

    /// <summary>Calls received other than health Checks and Watches (those are in <see cref="Checks"/> and <see cref="Watches"/>).</summary>
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

    /// <summary>Stops like a real server: open Watch streams end, held Checks are answered, in-flight calls finish.</summary>
    public Task StopAsync()
    {
        EndWatches();
        HoldChecks = false;
        return _app.StopAsync();
    }

    /// <summary>Ends every open Watch stream with OK, without a status change (as a server restart would).</summary>
    public void EndWatches()
    {
        lock (_watchLock)
        {
            foreach (var watcher in _watchers)
            {
                watcher.Writer.TryComplete();
            }
        }
    }

    private static TaskCompletionSource CompletedSource()
    {
        var source = new TaskCompletionSource();
        source.SetResult();
        return source;
    }

    private async Task WatchAsync(HttpResponse response, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _watches);
        if (!WatchSupported)
        {
            Fail(response, 12, "unknown method");
            return;
        }

        var channel = Channel.CreateUnbounded<bool>();
        lock (_watchLock)
        {
            channel.Writer.TryWrite(_serving);
            _watchers.Add(channel);
        }

        try
        {
            await foreach (var serving in channel.Reader.ReadAllAsync(cancellationToken))
            {
                await response.Body.WriteAsync(Frame([0x08, (byte)(serving ? 1 : 2)]), cancellationToken);
                await response.Body.FlushAsync(cancellationToken);
            }

            response.AppendTrailer("grpc-status", "0");
        }
        catch (OperationCanceledException)
        {
            // The router went away.
        }
        finally
        {
            lock (_watchLock)
            {
                _watchers.Remove(channel);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        EndWatches();
        HoldChecks = false;
        await _app.DisposeAsync();
    }

    private async Task HandleAsync(HttpContext context)
    {
        var path = context.Request.Path.Value;
        if (path is not (GrpcHealthCheck or GrpcHealthWatch))
        {
            Interlocked.Increment(ref _requests);
        }

        var body = await ReadMessageAsync(context.Request);
        var response = context.Response;
        response.ContentType = "application/grpc";
        response.Headers["x-model-name"] = Model;
        response.Headers["x-model-version"] = ReportedVersion;
        switch (path)
        {
            case GrpcHealthCheck:
                Interlocked.Increment(ref _checks);
                await _checkRelease.Task.WaitAsync(context.RequestAborted).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                if (context.RequestAborted.IsCancellationRequested)
                {
                    return;
                }

                await WriteAsync(response, [0x08, (byte)(Serving ? 1 : 2)]);
                return;
            case GrpcHealthWatch:
                await WatchAsync(response, context.RequestAborted);
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
        await response.Body.WriteAsync(Frame(message));
        response.AppendTrailer("grpc-status", "0");
    }

    private static byte[] Frame(byte[] message)
    {
        var frame = new byte[5 + message.Length];
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(1), (uint)message.Length);
        message.CopyTo(frame, 5);
        return frame;
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
