using System.Globalization;
using Inference.Batch.Jobs;
using Inference.Batch.Tables;

namespace Inference.Batch.Cli;

/// <summary>Parses the command line (<c>--flag value</c> or <c>--flag=value</c>) into job options; null means help was asked for.</summary>
internal static class CommandLine
{
    public static JobOptions? Parse(IReadOnlyList<string> args)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        var maps = new List<InputMapping>();
        var pending = new Queue<string>(args);
        while (pending.TryDequeue(out var arg))
        {
            if (arg is "-h" or "--help")
            {
                return null;
            }

            if (!arg.StartsWith("--", StringComparison.Ordinal))
            {
                throw new UsageException($"unexpected argument '{arg}'");
            }

            var (flag, inline) = arg.IndexOf('=') is > 2 and var at ? (arg[..at], arg[(at + 1)..]) : (arg, null);
            if (!Flags.Contains(flag))
            {
                throw new UsageException($"unknown option '{flag}'");
            }

            var value = inline ?? (pending.TryDequeue(out var next) ? next : throw new UsageException($"{flag} needs a value"));
            if (flag == "--map")
            {
                foreach (var entry in value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                {
                    maps.Add(Catch(() => InputMapping.Parse(entry)));
                }

                continue;
            }

            if (!values.TryAdd(flag, value))
            {
                throw new UsageException($"{flag} is given twice");
            }
        }

        string? Get(string flag) => values.GetValueOrDefault(flag);
        var input = Get("--input") ?? throw new UsageException("--input is required");
        var output = Get("--output") ?? throw new UsageException("--output is required");
        var model = Get("--model");
        var address = Get("--address");
        if ((model is null) == (address is null))
        {
            throw new UsageException("give either --model <file.onnx> (in-process) or --address <host:port> (remote)");
        }

        if (address is not null && Get("--name") is null)
        {
            throw new UsageException("--address needs --name <model>");
        }

        if (address is not null)
        {
            Catch(() => Scoring.RemoteScorer.AddressOf(address));
        }

        if (maps.GroupBy(m => m.Input).FirstOrDefault(g => g.Count() > 1) is { } twice)
        {
            throw new UsageException($"--map maps input '{twice.Key}' twice");
        }

        if (Path.GetFullPath(input) == Path.GetFullPath(output))
        {
            throw new UsageException("--output must not be the input file");
        }

        var defaults = new JobOptions { Input = input, Output = output };
        return defaults with
        {
            ModelFile = model,
            Address = address,
            Name = Get("--name"),
            Version = Get("--version"),
            Format = Format(Get("--format"), "--format"),
            OutputFormat = Format(Get("--output-format"), "--output-format"),
            Map = maps,
            BatchSize = Int(Get("--batch-size"), "--batch-size", defaults.BatchSize, 1, 1 << 20),
            ChunkRows = Int(Get("--chunk-rows"), "--chunk-rows", defaults.ChunkRows, 1, int.MaxValue),
            Shard = Get("--shard") is { } shard ? Catch(() => Shard.Parse(shard)) : Shard.Whole,
            MaxErrors = Get("--max-errors") is { } max
                ? long.TryParse(max, NumberStyles.None, CultureInfo.InvariantCulture, out var count) ? count : throw new UsageException($"--max-errors takes a count, not '{max}'")
                : 0,
            Checkpoint = Get("--checkpoint"),
            Errors = Get("--errors"),
            OutputPrefix = Get("--output-prefix") ?? "",
            Concurrency = Int(Get("--concurrency"), "--concurrency", defaults.Concurrency, 1, 1024),
            Timeout = TimeSpan.FromSeconds(Seconds(Get("--timeout"), "--timeout", defaults.Timeout.TotalSeconds)),
            Attempts = Int(Get("--retries"), "--retries", defaults.Attempts, 1, 100),
            IntraOpThreads = Int(Get("--intra-op-threads"), "--intra-op-threads", 0, 0, 1024),
            ProgressInterval = TimeSpan.FromSeconds(Seconds(Get("--progress-interval"), "--progress-interval", defaults.ProgressInterval.TotalSeconds)),
        };
    }

    private static readonly HashSet<string> Flags =
    [
        "--input", "--output", "--model", "--address", "--name", "--version", "--format", "--output-format", "--map",
        "--batch-size", "--chunk-rows", "--shard", "--max-errors", "--checkpoint", "--errors", "--output-prefix",
        "--concurrency", "--timeout", "--retries", "--intra-op-threads", "--progress-interval",
    ];

    private static T Catch<T>(Func<T> parse)
    {
        try
        {
            return parse();
        }
        catch (FormatException ex)
        {
            throw new UsageException(ex.Message);
        }
    }

    private static TableFormat? Format(string? text, string flag) => text is null
        ? null
        : TableFormats.FromName(text) ?? throw new UsageException($"{flag} takes csv, jsonl or parquet, not '{text}'");

    private static int Int(string? text, string flag, int fallback, int min, int max)
    {
        if (text is null)
        {
            return fallback;
        }

        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max
            ? value
            : throw new UsageException($"{flag} takes a whole number from {min} to {max}, not '{text}'");
    }

    private static double Seconds(string? text, string flag, double fallback) =>
        text is null ? fallback
        : double.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var seconds) && seconds > 0 && seconds <= 86400
            ? seconds
            : throw new UsageException($"{flag} takes seconds (more than 0), not '{text}'");
}
