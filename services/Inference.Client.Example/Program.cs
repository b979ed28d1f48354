using System.Globalization;
using Inference.Client.Example;
using Grpc.Core;
using Grpc.Net.Client;
using Inference.Client;
using Inference.Contracts;
using Inference.Contracts.Experiments;
using Inference.Contracts.Oip;

// Usage: Inference.Client.Example [--address http://127.0.0.1:8080] [--model iris] [--users 12]
//                                 [--user-prefix user-] [--version <pin>] [--group <override>]
//                                 [--outcome <boolean metric>]
if (args is ["--help"] or ["-h"])
{
    Console.WriteLine(ExampleOptions.Usage);
    return 0;
}

var options = ExampleOptions.Parse(args);
if (options is null)
{
    Console.Error.WriteLine(ExampleOptions.Usage);
    return 2;
}

using var channel = GrpcChannel.ForAddress(options.Address);
var client = new GRPCInferenceService.GRPCInferenceServiceClient(channel);
var outcomes = new Outcomes.OutcomesClient(channel);
string[] species = ["setosa", "versicolor", "virginica"];

// One flower per user, cycling through three typical ones, so each line is easy to check by eye.
float[][] flowers = [[5.1f, 3.5f, 1.4f, 0.2f], [6.6f, 3.0f, 4.4f, 1.4f], [7.7f, 3.0f, 6.1f, 2.3f]];

var failures = 0;
for (var i = 1; i <= options.Users; i++)
{
    var user = options.UserPrefix + i.ToString("D2", CultureInfo.InvariantCulture);
    var flower = flowers[(i - 1) % flowers.Length];
    var request = new ModelInferRequest { ModelName = options.Model, ModelVersion = options.Version ?? string.Empty, Id = user }
        .AddInput<float>("input", flower, [1, 4]);

    var headers = new Metadata { { "x-user-id", user } };
    if (options.Group is not null)
    {
        headers.Add(InferenceHeaders.ExperimentGroup, options.Group);
    }

    using var call = client.ModelInferAsync(request, headers, deadline: DateTime.UtcNow.AddSeconds(5));
    try
    {
        var response = await call;
        var label = response.GetOutput<long>("label").Data[0];
        var probabilities = response.GetOutput<float>("probabilities").Data;
        var tags = await call.GetTagsAsync();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{user}  model={tags.ModelName} version={tags.ModelVersion} experiment={tags.Experiment ?? "-"} group={tags.ExperimentGroup ?? "-"}  " +
            $"-> {species[label]} (p={probabilities[label]:0.000})"));
        if (options.Outcome is { } metric && tags.Experiment is not null && tags.ExperimentGroup is not (null or InferenceHeaders.PinnedGroup))
        {
            // A stand-in for what the caller later learns (a click, a purchase): here, any species but setosa.
            var success = label != 0;
            await outcomes.RecordAsync(tags.ToOutcome(metric, success, requestId: user));
            Console.WriteLine($"{user}  outcome {metric}={(success ? "true" : "false")} reported");
        }
    }
    catch (RpcException ex)
    {
        failures++;
        var tags = await call.GetTagsAsync();
        Console.WriteLine($"{user}  {ex.StatusCode}: {ex.Status.Detail}  (version={tags.ModelVersion ?? "-"} group={tags.ExperimentGroup ?? "-"})");
    }
}

return failures == 0 ? 0 : 1;
