using Google.Protobuf;
using Inference.Grpc.Server;
using Inference.Grpc.Tests.Echo;
using Microsoft.AspNetCore.Routing;

namespace Inference.Grpc.Tests;

/// <summary>
/// The test echo service. Commands in <c>message</c>: <c>fail:CODE:TEXT</c> ends with that status;
/// <c>throw</c> throws an ordinary exception; <c>sleep</c> waits until the call is cancelled;
/// <c>compress</c> gzips the response.
/// </summary>
internal static class EchoService
{
    public const string Unary = "/inference.grpc.test.Echo/Unary";
    public const string ServerStream = "/inference.grpc.test.Echo/ServerStream";
    public const string ClientStream = "/inference.grpc.test.Echo/ClientStream";
    public const string Duplex = "/inference.grpc.test.Echo/Duplex";
    public const string Size = "/inference.grpc.test.Echo/Size";

    public static void Map(IEndpointRouteBuilder endpoints, EchoProbe probe)
    {
        endpoints.MapGrpcUnary<EchoRequest, EchoReply>(Unary, async (request, context) =>
        {
            EchoMetadata(context);
            await RunCommandAsync(request.Message, context, probe);
            return new EchoReply { Message = request.Message, Payload = request.Payload };
        });

        endpoints.MapGrpcServerStreaming<EchoRequest, EchoReply>(ServerStream, async (request, writer, context) =>
        {
            EchoMetadata(context);
            for (var i = 0; i < request.Count; i++)
            {
                await writer.WriteAsync(new EchoReply { Message = request.Message, Index = i });
            }

            await RunCommandAsync(request.Message, context, probe);
        });

        endpoints.MapGrpcClientStreaming<EchoRequest, EchoReply>(ClientStream, async (reader, context) =>
        {
            var joined = new List<string>();
            var count = 0;
            await foreach (var request in reader.ReadAllAsync())
            {
                joined.Add(request.Message);
                count++;
            }

            return new EchoReply { Message = string.Join(",", joined), Index = count };
        });

        endpoints.MapGrpcDuplexStreaming<EchoRequest, EchoReply>(Duplex, async (reader, writer, context) =>
        {
            EchoMetadata(context);
            var index = 0;
            while (await reader.MoveNextAsync())
            {
                await RunCommandAsync(reader.Current.Message, context, probe);
                await writer.WriteAsync(new EchoReply { Message = reader.Current.Message, Payload = reader.Current.Payload, Index = index++ });
            }
        });

        endpoints.MapGrpcUnary<EchoRequest, EchoReply>(Size, (request, context) =>
            ValueTask.FromResult(new EchoReply { Payload = ByteString.CopyFrom(new byte[request.Count]) }));
    }

    private static void EchoMetadata(ServerCallContext context)
    {
        if (context.GetRequestHeader("x-test") is { } text)
        {
            context.SetResponseHeader("x-echo-test", text);
        }

        if (context.RequestHeaders.GetValueBytes("x-data-bin") is { } bytes)
        {
            context.SetResponseHeader("x-echo-data-bin", bytes);
            context.ResponseTrailers.Add("x-trailer-data-bin", bytes);
        }

        context.ResponseTrailers.Add("x-trailer", "done");
    }

    private static async Task RunCommandAsync(string command, ServerCallContext context, EchoProbe probe)
    {
        if (command.StartsWith("fail:", StringComparison.Ordinal))
        {
            var parts = command.Split(':', 3);
            throw new GrpcException((StatusCode)int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture), parts[2]);
        }

        switch (command)
        {
            case "throw":
                throw new InvalidOperationException("secret internal detail");
            case "compress":
                context.ResponseCompression = "gzip";
                break;
            case "sleep":
                probe.Started(context.Peer);
                try
                {
                    await Task.Delay(Timeout.Infinite, context.CancellationToken);
                }
                catch (OperationCanceledException)
                {
                    probe.Cancelled(context.Deadline != DateTime.MaxValue);
                    throw;
                }

                break;
        }
    }
}
