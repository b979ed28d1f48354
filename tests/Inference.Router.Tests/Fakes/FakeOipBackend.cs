using System.Buffers.Binary;
using System.Net;
using System.Threading.Channels;
using Google.Protobuf;
using Inference.Contracts;
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
    private readonly Gate _checkGate = new();
    private readonly Gate _bodyGate = new();
    private readonly Gate _heldCallGate = new();
    private int _bodiesWaiting;
    private int _heldCalls;
    private int _abortedCalls;
    private long _responseBytesWritten;
    private int _responsesWritten;

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

    /// <summary>When true, Check calls get no answer until it is set back to false (a busy replica).</summary>
    public bool HoldChecks
    {
        get => _checkGate.Closed;
        set => _checkGate.Closed = value;
    }

    /// <summary>When true, calls wait before reading their request body until it is set back to false (a slow reader).</summary>
    public bool HoldBodies
    {
        get => _bodyGate.Closed;
        set => _bodyGate.Closed = value;
    }

    /// <summary>Calls that arrived and wait for <see cref="HoldBodies"/> to open.</summary>
    public int BodiesWaiting => Volatile.Read(ref _bodiesWaiting);

    /// <summary>
    /// When true, ModelInfer calls whose id starts with <c>hold-</c> are read but not answered until it is
    /// set back to false: calls kept in flight on purpose.
    /// </summary>
    public bool HoldTaggedCalls
    {
        get => _heldCallGate.Closed;
        set => _heldCallGate.Closed = value;
    }

    /// <summary>ModelInfer calls held by <see cref="HoldTaggedCalls"/> so far.</summary>
    public int HeldCalls => Volatile.Read(ref _heldCalls);

    /// <summary>Held calls whose stream the caller (the router) reset or abandoned while they were held.</summary>
    public int AbortedCalls => Volatile.Read(ref _abortedCalls);

    /// <summary>When true, the raw request body of every ModelInfer call is kept in <see cref="Bodies"/> by request id.</summary>
    public bool RecordBodies { get; set; }

    /// <summary>Request bodies exactly as received (gRPC frames included), by ModelInferRequest.id.</summary>
    public System.Collections.Concurrent.ConcurrentDictionary<string, byte[]> Bodies { get; } = new();

    /// <summary>Request headers of every ModelInfer call as received, by ModelInferRequest.id (with <see cref="RecordBodies"/>).</summary>
    public System.Collections.Concurrent.ConcurrentDictionary<string, Dictionary<string, string>> RequestHeaders { get; } = new();

    /// <summary>Custom response metadata of ModelInfer answers: sent as headers before the message.</summary>
    public Dictionary<string, string> ExtraHeaders { get; } = [];

    /// <summary>Custom response metadata of ModelInfer answers: sent as trailers after grpc-status.</summary>
    public Dictionary<string, string> ExtraTrailers { get; } = [];

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

    /// <summary>
    /// When above zero, ModelInfer answers carry a second output of this many seeded random bytes (<see cref="Padding"/>),
    /// written in 64 KiB pieces, each flushed: a large response that HTTP/2 flow control must hold back.
    /// </summary>
    public int ResponsePaddingBytes { get; set; }

    /// <summary>Bytes of ModelInfer response messages the server has taken so far.</summary>
    public long ResponseBytesWritten => Interlocked.Read(ref _responseBytesWritten);

    /// <summary>ModelInfer responses written to their end.</summary>
    public int ResponsesWritten => Volatile.Read(ref _responsesWritten);

    /// <summary>The padding output of <see cref="ResponsePaddingBytes"/> bytes.</summary>
    public static byte[] Padding(int bytes)
    {
        var padding = new byte[bytes];
        new Random(bytes).NextBytes(padding);
        return padding;
    }

    /// <summary>
    /// When set, ModelInfer answers with this gRPC status at once, without reading the request (as a server that
    /// rejects a call by its headers does); Kestrel then stops the rest of the body with RST_STREAM.
    /// </summary>
    public int? RejectUnread { get; set; }

    /// <summary>When set, ModelInfer answers with this gRPC status instead of a result.</summary>
    public int? FailWith { get; set; }

    /// <summary>When above zero, ModelInfer waits this long before answering (a slow version).</summary>
    public TimeSpan ResponseDelay { get; set; }

    /// <summary>When set, ModelInfer answers carry this output (after "echo") instead of none: what a model computed.</summary>
    public ModelInferResponse.Types.InferOutputTensor? ExtraOutput { get; set; }

    /// <summary>The raw contents of <see cref="ExtraOutput"/>.</summary>
    public byte[] ExtraOutputContents { get; set; } = [];

    public int Port { get; private set; }

    public IPAddress Address { get; private set; } = IPAddress.Loopback;

    public string Url => $"http://{Address}:{Port}";

    /// <summary>Calls received other than health Checks and Watches (those are in <see cref="Checks"/> and <see cref="Watches"/>).</summary>
    public int Requests => Volatile.Read(ref _requests);

    /// <param name="address">A loopback address (default 127.0.0.1); replicas behind one DNS name share a port on different ones.</param>
    public static async Task<FakeOipBackend> StartAsync(string model, string version, string? replica = null, int port = 0, IPAddress? address = null)
    {
        address ??= IPAddress.Loopback;
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Limits.Http2.MaxStreamsPerConnection = 1000;
            k.Limits.MaxRequestBodySize = null;
            k.Listen(address, port, l => l.Protocols = HttpProtocols.Http2);
        });
        var app = builder.Build();
        var backend = new FakeOipBackend(app, model, version, replica ?? $"{model}-{version}") { Address = address };
        app.Run(backend.HandleAsync);
        await app.StartAsync();
        backend.Port = new Uri(app.Urls.First()).Port;
        return backend;
    }

    /// <summary>Stops like a real server: open Watch streams end, held Checks are answered, in-flight calls finish.</summary>
    public Task StopAsync()
    {
        EndWatches();
        OpenGates();
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

    private void OpenGates()
    {
        HoldChecks = false;
        HoldBodies = false;
        HoldTaggedCalls = false;
    }

    public async ValueTask DisposeAsync()
    {
        EndWatches();
        OpenGates();
        await _app.DisposeAsync();
    }

    private async Task HandleAsync(HttpContext context)
    {
        var path = context.Request.Path.Value;
        if (path is not (GrpcHealthCheck or GrpcHealthWatch))
        {
            Interlocked.Increment(ref _requests);
        }

        if (path == "/inference.GRPCInferenceService/ModelInfer" && RejectUnread is { } rejection)
        {
            context.Response.ContentType = "application/grpc";
            Fail(context.Response, rejection, $"{Replica} rejects the call unread");
            return;
        }

        if (path is not (GrpcHealthCheck or GrpcHealthWatch) && _bodyGate.Closed)
        {
            Interlocked.Increment(ref _bodiesWaiting);
            await _bodyGate.WaitAsync(context.RequestAborted);
        }

        var (raw, body) = await ReadMessageAsync(context.Request);
        var response = context.Response;
        response.ContentType = "application/grpc";
        response.Headers[InferenceHeaders.ModelName] = Model;
        response.Headers[InferenceHeaders.ModelVersion] = ReportedVersion;
        switch (path)
        {
            case GrpcHealthCheck:
                Interlocked.Increment(ref _checks);
                await _checkGate.WaitAsync(context.RequestAborted);
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
                if (RecordBodies)
                {
                    Bodies[infer.Id] = raw;
                    RequestHeaders[infer.Id] = context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
                }

                foreach (var (name, value) in ExtraHeaders)
                {
                    response.Headers[name] = value;
                }

                if (!CheckModel(response, infer.ModelName, infer.ModelVersion))
                {
                    return;
                }

                if (infer.Id.StartsWith("hold-", StringComparison.Ordinal) && _heldCallGate.Closed)
                {
                    Interlocked.Increment(ref _heldCalls);
                    try
                    {
                        await _heldCallGate.WaitAsync(context.RequestAborted);
                    }
                    finally
                    {
                        if (context.RequestAborted.IsCancellationRequested)
                        {
                            Interlocked.Increment(ref _abortedCalls);
                        }
                    }
                }

                if (ResponseDelay > TimeSpan.Zero)
                {
                    await Task.Delay(ResponseDelay, context.RequestAborted);
                }

                if (FailWith is { } code)
                {
                    Fail(response, code, $"{Replica} fails on purpose");
                    return;
                }

                var result = new ModelInferResponse { ModelName = Model, ModelVersion = ReportedVersion, Id = Replica };
                result.Outputs.Add(new ModelInferResponse.Types.InferOutputTensor { Name = "echo", Datatype = "BYTES", Shape = { 1 } });
                // BYTES raw contents: each element is its 4-byte little-endian length, then its bytes.
                var id = System.Text.Encoding.UTF8.GetBytes(infer.Id);
                var echo = new byte[4 + id.Length];
                BinaryPrimitives.WriteInt32LittleEndian(echo, id.Length);
                id.CopyTo(echo, 4);
                result.RawOutputContents.Add(ByteString.CopyFrom(echo));
                if (ExtraOutput is { } extra)
                {
                    result.Outputs.Add(extra);
                    result.RawOutputContents.Add(ByteString.CopyFrom(ExtraOutputContents));
                }

                if (ResponsePaddingBytes > 0)
                {
                    result.Outputs.Add(new ModelInferResponse.Types.InferOutputTensor { Name = "padding", Datatype = "UINT8", Shape = { ResponsePaddingBytes } });
                    result.RawOutputContents.Add(ByteString.CopyFrom(Padding(ResponsePaddingBytes)));
                }

                await WriteInPiecesAsync(response, result.ToByteArray(), context.RequestAborted);
                Interlocked.Increment(ref _responsesWritten);
                foreach (var (name, value) in ExtraTrailers)
                {
                    response.AppendTrailer(name, value);
                }

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

    private async Task WriteInPiecesAsync(HttpResponse response, byte[] message, CancellationToken cancellationToken)
    {
        var frame = Frame(message);
        for (var offset = 0; offset < frame.Length; offset += 64 * 1024)
        {
            var piece = Math.Min(64 * 1024, frame.Length - offset);
            await response.Body.WriteAsync(frame.AsMemory(offset, piece), cancellationToken);
            if (offset + piece < frame.Length)
            {
                // A small answer leaves in one write with its trailers; a large one waits for the caller's window.
                await response.Body.FlushAsync(cancellationToken);
            }

            Interlocked.Add(ref _responseBytesWritten, piece);
        }

        response.AppendTrailer("grpc-status", "0");
    }

    private static byte[] Frame(byte[] message)
    {
        var frame = new byte[5 + message.Length];
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(1), (uint)message.Length);
        message.CopyTo(frame, 5);
        return frame;
    }

    /// <summary>The body as received and its first message (decompressed).</summary>
    private static async Task<(byte[] Raw, byte[] Message)> ReadMessageAsync(HttpRequest request)
    {
        using var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer);
        var all = buffer.ToArray();
        if (all.Length < 5)
        {
            return (all, []);
        }

        var length = (int)BinaryPrimitives.ReadUInt32BigEndian(all.AsSpan(1));
        var message = all.AsSpan(5, Math.Min(length, all.Length - 5)).ToArray();
        if (all[0] == 1)
        {
            using var inflater = new System.IO.Compression.GZipStream(new MemoryStream(message), System.IO.Compression.CompressionMode.Decompress);
            using var plain = new MemoryStream();
            await inflater.CopyToAsync(plain);
            return (all, plain.ToArray());
        }

        return (all, message);
    }

    /// <summary>Open by default; while closed, waiters park until it opens (or their call is aborted).</summary>
    private sealed class Gate
    {
        private readonly Lock _lock = new();
        private TaskCompletionSource? _closed;

        public bool Closed
        {
            get
            {
                lock (_lock)
                {
                    return _closed is not null;
                }
            }

            set
            {
                lock (_lock)
                {
                    if (value && _closed is null)
                    {
                        _closed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                    }
                    else if (!value && _closed is not null)
                    {
                        _closed.TrySetResult();
                        _closed = null;
                    }
                }
            }
        }

        public Task WaitAsync(CancellationToken cancellationToken)
        {
            Task wait;
            lock (_lock)
            {
                wait = _closed?.Task ?? Task.CompletedTask;
            }

            return wait.WaitAsync(cancellationToken).ContinueWith(static _ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }
    }
}
