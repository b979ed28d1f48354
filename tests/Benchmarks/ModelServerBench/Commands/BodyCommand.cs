using Inference.Benchmarks.ModelServer.Support;
using Microsoft.ML.OnnxRuntime;

namespace Inference.Benchmarks.ModelServer.Commands;

/// <summary>Writes one gRPC-framed ModelInferRequest, the request body h2load sends with <c>-d</c>.</summary>
internal static class BodyCommand
{
    public const string Usage = "body --model M --name NAME --out FILE [--version V] [--batch 1]";

    public static async Task<int> RunAsync(Arguments arguments, CancellationToken cancellationToken)
    {
        var modelPath = arguments.Required("model");
        var name = arguments.Required("name");
        var output = arguments.Required("out");
        var version = arguments.Optional("version", string.Empty);
        var batch = arguments.Int("batch", 1);

        // Only the model's metadata is needed; one intra-op thread keeps the load light.
        using var options = new SessionOptions { IntraOpNumThreads = 1 };
        using var session = new InferenceSession(modelPath, options);
        var input = ModelInput.For(session, batch);
        var frame = InferRequests.Frame(InferRequests.Create(name, version, input));
        await File.WriteAllBytesAsync(output, frame, cancellationToken);
        Console.WriteLine(
            $"body {output}: {frame.Length} bytes, model '{name}', input '{input.Name}' {input.Datatype} [{string.Join(", ", input.Shape)}]");
        return 0;
    }
}
