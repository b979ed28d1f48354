using Inference.Benchmarks.ModelServer.Commands;
using Inference.Benchmarks.ModelServer.Support;

using var cancellation = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancellation.Cancel();
};

const string Usage =
    "usage: ModelServerBench <command> [options]\n" +
    "  " + FloorCommand.Usage + "\n" +
    "  " + BodyCommand.Usage + "\n" +
    "  " + CheckCommand.Usage;

if (args.Length == 0 || args[0] is "-h" or "--help")
{
    Console.WriteLine(Usage);
    return args.Length == 0 ? 2 : 0;
}

try
{
    var arguments = Arguments.Parse(args.AsSpan(1));
    return args[0] switch
    {
        "floor" => await FloorCommand.RunAsync(arguments, cancellation.Token),
        "body" => await BodyCommand.RunAsync(arguments, cancellation.Token),
        "check" => await CheckCommand.RunAsync(arguments, cancellation.Token),
        _ => throw new UsageException($"Unknown command '{args[0]}'."),
    };
}
catch (UsageException exception)
{
    Console.Error.WriteLine(exception.Message);
    Console.Error.WriteLine(Usage);
    return 2;
}
