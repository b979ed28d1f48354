using System.Buffers;
using System.Net;
using Google.Protobuf;
using Inference.Grpc;
using Inference.Grpc.Bench;
using Inference.Grpc.Server;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Logging;

// Serves two h2c endpoints on 127.0.0.1 and prints "PORTS <runtime> <bare>":
//   runtime: /inference.grpc.bench.Bench/Echo through the gRPC runtime (parse, handler, serialize);
//   bare:    any POST answered by plain Kestrel with a precomputed gRPC response (the floor).
// Writes the framed request body used by h2load to the path given as the first argument.
const string Method = "/inference.grpc.bench.Bench/Echo";
var bodyPath = args.Length > 0 ? args[0] : "body.bin";
var sample = new BenchMessage { Text = "the quick brown fox jumps over the lazy dog", Id = 42 };
File.WriteAllBytes(bodyPath, Frame(sample));
var precomputed = Frame(sample);

var runtime = Build(out var runtimeListen);
runtime.MapGrpcUnary<BenchMessage, BenchMessage>(Method, static (request, context) =>
    ValueTask.FromResult(new BenchMessage { Text = request.Text, Id = request.Id }));

var bare = Build(out var bareListen);
bare.Run(async context =>
{
    // Drain the request as any gRPC server must, then answer with the fixed body and status.
    var reader = context.Request.BodyReader;
    while (true)
    {
        var result = await reader.ReadAsync();
        reader.AdvanceTo(result.Buffer.End);
        if (result.IsCompleted)
        {
            break;
        }
    }

    context.Response.ContentType = "application/grpc";
    context.Response.BodyWriter.Write(precomputed);
    context.Features.Get<IHttpResponseTrailersFeature>()!.Trailers.GrpcStatus = "0";
});

await runtime.StartAsync();
await bare.StartAsync();
Console.WriteLine($"PORTS {runtimeListen().IPEndPoint!.Port} {bareListen().IPEndPoint!.Port}");
Console.Out.Flush();
// Runs until standard input closes.
await Console.In.ReadToEndAsync();
await runtime.StopAsync();
await bare.StopAsync();

static WebApplication Build(out Func<ListenOptions> listen)
{
    var builder = WebApplication.CreateSlimBuilder();
    builder.Logging.ClearProviders();
    ListenOptions? options = null;
    builder.WebHost.ConfigureKestrel(kestrel =>
    {
        kestrel.Listen(IPAddress.Loopback, 0, l => { l.UseGrpc(); options = l; });
        kestrel.Limits.Http2.MaxStreamsPerConnection = 256;
    });
    listen = () => options!;
    return builder.Build();
}

static byte[] Frame(IMessage message)
{
    var writer = new ArrayBufferWriter<byte>();
    GrpcFraming.WriteMessage(writer, message);
    return writer.WrittenSpan.ToArray();
}
