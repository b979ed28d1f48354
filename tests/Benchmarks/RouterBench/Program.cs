using System.Buffers.Binary;
using Google.Protobuf;
using Inference.Contracts.Oip;
using Inference.Router.Tests.Fakes;
using RouterBench;

// router-bench.sh's helper.
//   RouterBench backend <model> <version> [port]   serve a fake model server until stdin closes
//   RouterBench request <file> [model] [features]  write a framed ModelInferRequest: input "input", FP32 [1, features]
//                                                  (default iris, 4; the MLP of tests/models/make_mlp.py takes 512)
//   RouterBench probe <url> <request-file> [--header name=value]... [--expect name=value]... [--count n]
//                                                  send the request, check grpc-status 0 and the expected metadata
//   RouterBench router-metrics <admin-url>         check that every call the router counted ended OK
//   RouterBench hops <url> <request-file> [calls]  thread-pool work items per call of SocketsHttpHandler alone
switch (args.FirstOrDefault())
{
    case "backend" when args.Length >= 3:
        await using (var backend = await FakeOipBackend.StartAsync(args[1], args[2], port: args.Length > 3 ? int.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture) : 0))
        {
            Console.WriteLine($"backend listening: {backend.Url}");
            var stop = new TaskCompletionSource();
            using var term = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, context =>
            {
                context.Cancel = true;
                stop.TrySetResult();
            });
            // Console.In reads synchronously: on a pool thread, so SIGTERM can end the wait too.
            await Task.WhenAny(Task.Run(() => Console.In.ReadToEnd()), stop.Task);
        }

        return 0;
    case "request" when args.Length is >= 2 and <= 4:
        var features = args.Length > 3 ? int.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture) : 4;
        var request = new ModelInferRequest { ModelName = args.Length > 2 ? args[2] : "iris", Id = "bench" };
        request.Inputs.Add(new ModelInferRequest.Types.InferInputTensor { Name = "input", Datatype = "FP32", Shape = { 1, features } });
        var values = new float[features];
        for (var i = 0; i < features; i++)
        {
            // Iris-like measurements (a versicolor); any finite values do for the MLP.
            values[i] = (i % 4) switch { 0 => 5.9f, 1 => 3.0f, 2 => 4.2f, _ => 1.5f };
        }

        request.RawInputContents.Add(ByteString.CopyFrom(System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan())));
        var message = request.ToByteArray();
        var frame = new byte[5 + message.Length];
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(1), (uint)message.Length);
        message.CopyTo(frame, 5);
        await File.WriteAllBytesAsync(args[1], frame);
        return 0;
    case "probe" when args.Length >= 3:
        return await Probe.RunAsync(args[1], args[2], args[3..]);
    case "hops" when args.Length is 3 or 4:
        return await Hops.RunAsync(args[1], args[2], args.Length > 3 ? int.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture) : 4000);
    case "router-metrics" when args.Length == 2:
        return await Probe.CheckRouterMetricsAsync(args[1]);
    default:
        await Console.Error.WriteLineAsync("usage: RouterBench backend <model> <version> [port] | request <file> [model] [features] | probe <url> <request-file> [--header k=v] [--expect k=v] [--count n] | router-metrics <admin-url> | hops <url> <request-file> [calls]");
        return 2;
}
