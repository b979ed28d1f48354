using System.Globalization;
using Google.Protobuf;
using Inference.Grpc.Server;
using Inference.Grpc.Tests.Echo;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using ServingStatus = Inference.Contracts.Health.HealthCheckResponse.Types.ServingStatus;

namespace Inference.Grpc.Tests;

/// <summary>
/// The test echo service. Commands in <c>message</c>: <c>fail:CODE:TEXT</c> ends with that status;
/// <c>fail-trailers</c> throws a <see cref="GrpcException"/> carrying trailers; <c>throw</c> throws an ordinary
/// exception; <c>io</c> throws an IOException of its own; <c>sleep</c> waits until the call is cancelled;
/// <c>stubborn</c> ignores its token and waits for <see cref="EchoProbe.ReleaseStubborn"/>, then tries one more
/// write; <c>compress</c> gzips the response; <c>limits</c> answers Kestrel's request body limit for the call;
/// <c>gather</c> waits for <see cref="EchoProbe.ExpectGathering"/> calls; <c>health:SERVICE:STATUS</c> sets a
/// health status.
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
            await RunCommandAsync(request.Message, context, probe, () =>
            {
                context.SetResponseHeader("x-late", "1");
                return ValueTask.CompletedTask;
            });
            return new EchoReply { Message = Answer(request.Message, context), Payload = request.Payload };
        });

        endpoints.MapGrpcServerStreaming<EchoRequest, EchoReply>(ServerStream, async (request, writer, context) =>
        {
            EchoMetadata(context);
            for (var i = 0; i < request.Count; i++)
            {
                await writer.WriteAsync(new EchoReply { Message = request.Message, Index = i });
            }

            await RunCommandAsync(request.Message, context, probe, () => writer.WriteAsync(new EchoReply { Message = "late" }));
        });

        endpoints.MapGrpcClientStreaming<EchoRequest, EchoReply>(ClientStream, async (reader, context) =>
        {
            var joined = new List<string>();
            var count = 0;
            long bytes = 0;
            await foreach (var request in reader.ReadAllAsync())
            {
                joined.Add(request.Message);
                count++;
                bytes += request.Payload.Length;
            }

            // Payload sizes are summed, not echoed: the reply stays small however much was uploaded.
            return new EchoReply { Message = string.Join(",", joined), Index = count, Payload = ByteString.CopyFromUtf8(bytes.ToString(System.Globalization.CultureInfo.InvariantCulture)) };
        });

        endpoints.MapGrpcDuplexStreaming<EchoRequest, EchoReply>(Duplex, async (reader, writer, context) =>
        {
            EchoMetadata(context);
            var index = 0;
            while (await reader.MoveNextAsync())
            {
                await RunCommandAsync(reader.Current.Message, context, probe, () => writer.WriteAsync(new EchoReply { Message = "late" }));
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

    /// <summary>The reply's message: the request's, or what a command reports.</summary>
    private static string Answer(string command, ServerCallContext context) => command switch
    {
        "limits" => context.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>()?.MaxRequestBodySize?.ToString(CultureInfo.InvariantCulture) ?? "none",
        _ => command,
    };

    private static async Task RunCommandAsync(string command, ServerCallContext context, EchoProbe probe, Func<ValueTask> lateWrite)
    {
        if (command.StartsWith("fail:", StringComparison.Ordinal))
        {
            var parts = command.Split(':', 3);
            throw new GrpcException((StatusCode)int.Parse(parts[1], CultureInfo.InvariantCulture), parts[2]);
        }

        if (command.StartsWith("health:", StringComparison.Ordinal))
        {
            var parts = command.Split(':', 3);
            context.HttpContext.RequestServices.GetRequiredService<GrpcHealthService>()
                .SetStatus(parts[1], Enum.Parse<ServingStatus>(parts[2], ignoreCase: true));
            return;
        }

        switch (command)
        {
            case "fail-trailers":
                throw new GrpcException(StatusCode.Aborted, "with trailers",
                    new Metadata().Add("x-reason", "conflict").Add("x-reason-bin", [1, 2, 3]));
            case "throw":
                throw new InvalidOperationException("secret internal detail");
            case "io":
                throw new IOException("the handler's own I/O failed");
            case "gather":
                await probe.GatherAsync(context.HttpContext.Connection.Id, context.CancellationToken);
                break;
            case "stubborn":
                // Deaf to its token: only the test lets it go on. Then it tries to write once more.
                var outcome = await probe.WaitStubbornAsync();
                try
                {
                    await lateWrite();
                    outcome.TrySetResult(null);
                }
                catch (Exception ex)
                {
                    outcome.TrySetResult(ex);
                    throw;
                }

                break;
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
