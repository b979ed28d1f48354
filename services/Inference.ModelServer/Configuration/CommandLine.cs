using System.Globalization;
using Inference.PredictionLog;
using Microsoft.ML.OnnxRuntime;

namespace Inference.ModelServer.Configuration;

/// <summary>Parses the server's command line (<c>--name value</c> or <c>--name=value</c>).</summary>
internal static class CommandLine
{
    public const string Usage = """
        Usage: Inference.ModelServer --model <file.onnx> --name <model> --version <version> [options]

          --model <file.onnx>            ONNX model file to serve (required)
          --name <model>                 model name clients ask for (required)
          --version <version>            the version this process serves (required)
          --host <address>               listen address (default 0.0.0.0)
          --port <port>                  gRPC port, HTTP/2 cleartext (default 8001; 0 = any free port)
          --http-port <port>             HTTP/1.1 port: /metrics /healthz /readyz (default 8002; 0 = any)
          --max-in-flight <n>            inferences admitted at once (default 4 x CPUs, at least 4; with --batching
                                         at least 2 x --max-batch-size, and never below --max-batch-size)
          --queue-timeout-ms <ms>        wait for a slot beyond that, then RESOURCE_EXHAUSTED (default 100)
          --batching                     merge concurrent requests into one Run (dynamic batching; off by default)
          --max-batch-size <rows>        most rows in one merged Run (default 32)
          --max-batch-delay-us <us>      how long a batch waits behind running ones before it runs alongside
                                         them (default 500); with no batch running, a batch runs at once
          --intra-op-threads <n>         ONNX Runtime threads per Run (default 0 = ONNX Runtime's choice)
          --inter-op-threads <n>         ONNX Runtime threads running independent nodes with --execution-mode parallel
                                         (default 0 = ONNX Runtime's choice)
          --graph-optimization-level <l> disable | basic | extended | all (default all)
          --execution-mode <m>           sequential | parallel (default sequential)
          --execution-provider <name>    cpu (default), or another provider of the ONNX Runtime package (cuda, tensorrt,
                                         …); the server does not start when it is not available
          --max-receive-message-size <bytes>  largest request message (default 67108864)
          --max-in-flight-bytes <bytes>  memory budget: most bytes of request messages in flight at once; beyond it
                                         RESOURCE_EXHAUSTED (default a quarter of the memory the GC may use: of the
                                         heap limit, the container's memory limit or the machine's memory)
          --drain-delay-ms <ms>          after SIGTERM, keep serving while not ready (default 1000)
          --drain-timeout-ms <ms>        after SIGTERM, longest wait for in-flight requests (default 30000)
          --no-warmup                    ready without the synthetic warm-up request
          --prediction-log <dir|->       record sampled calls as JSON Lines: rotating files in <dir>, or - for stdout
          --prediction-log-sample <0..1> share of calls recorded (default 0.01)
          --prediction-log-max-bytes <n> start a new file past this size (default 67108864)
          --prediction-log-max-files <n> files kept; the oldest is deleted (default 10)
          --help                         show this text
        """;

    private static readonly HashSet<string> ValueOptions =
    [
        "model", "name", "version", "host", "port", "http-port", "max-in-flight", "queue-timeout-ms", "max-batch-size",
        "max-batch-delay-us", "intra-op-threads", "inter-op-threads", "graph-optimization-level", "execution-mode",
        "execution-provider", "max-receive-message-size", "max-in-flight-bytes", "drain-delay-ms", "drain-timeout-ms",
        "prediction-log", "prediction-log-sample", "prediction-log-max-bytes", "prediction-log-max-files",
    ];

    private static readonly Dictionary<string, GraphOptimizationLevel> OptimizationLevels = new(StringComparer.OrdinalIgnoreCase)
    {
        ["disable"] = GraphOptimizationLevel.ORT_DISABLE_ALL,
        ["basic"] = GraphOptimizationLevel.ORT_ENABLE_BASIC,
        ["extended"] = GraphOptimizationLevel.ORT_ENABLE_EXTENDED,
        ["all"] = GraphOptimizationLevel.ORT_ENABLE_ALL,
    };

    private static readonly Dictionary<string, ExecutionMode> ExecutionModes = new(StringComparer.OrdinalIgnoreCase)
    {
        ["sequential"] = ExecutionMode.ORT_SEQUENTIAL,
        ["parallel"] = ExecutionMode.ORT_PARALLEL,
    };

    /// <summary>The options, or an error message (null options) ; <paramref name="help"/> when --help was asked.</summary>
    public static ModelServerOptions? Parse(IReadOnlyList<string> args, out string? error, out bool help)
    {
        error = null;
        help = false;
        string model = string.Empty, name = string.Empty, version = string.Empty;
        var options = new Builder();

        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (arg is "--help" or "-h")
            {
                help = true;
                return null;
            }

            if (!arg.StartsWith("--", StringComparison.Ordinal))
            {
                error = $"Unexpected argument '{arg}'.";
                return null;
            }

            string key;
            string? inline = null;
            var equals = arg.IndexOf('=', StringComparison.Ordinal);
            if (equals > 0)
            {
                key = arg[2..equals];
                inline = arg[(equals + 1)..];
            }
            else
            {
                key = arg[2..];
            }

            if (key is "batching" or "no-warmup")
            {
                if (inline is not null && !bool.TryParse(inline, out var flag))
                {
                    error = $"--{key} takes no value or true/false, not '{inline}'.";
                    return null;
                }

                var enabled = inline is null || bool.Parse(inline);
                if (key == "batching")
                {
                    options.Batching = enabled;
                }
                else
                {
                    options.SkipWarmup = enabled;
                }

                continue;
            }

            // Checked before taking a value, so a mistyped flag is not reported as missing its value
            // and does not swallow the next flag.
            if (!ValueOptions.Contains(key))
            {
                error = $"Unknown option '--{key}'.";
                return null;
            }

            var value = inline;
            if (value is null)
            {
                if (i + 1 >= args.Count)
                {
                    error = $"--{key} needs a value.";
                    return null;
                }

                value = args[++i];
            }

            error = key switch
            {
                "model" => Set(ref model, value),
                "name" => Set(ref name, value),
                "version" => Set(ref version, value),
                "host" => HostAddress(value, ref options.Host),
                "port" => Port(key, value, ref options.GrpcPort),
                "http-port" => Port(key, value, ref options.HttpPort),
                "max-in-flight" => Integer(key, value, 1, int.MaxValue, ref options.MaxInFlight, ref options.MaxInFlightGiven),
                "queue-timeout-ms" => Integer(key, value, 0, int.MaxValue, ref options.QueueTimeoutMs),
                "max-batch-size" => Integer(key, value, 1, int.MaxValue, ref options.MaxBatchSize),
                "max-batch-delay-us" => Integer(key, value, 0, int.MaxValue, ref options.MaxBatchDelayUs),
                "intra-op-threads" => Integer(key, value, 0, 1024, ref options.IntraOpThreads),
                "inter-op-threads" => Integer(key, value, 0, 1024, ref options.InterOpThreads),
                "graph-optimization-level" => Choice(key, value, OptimizationLevels, ref options.OptimizationLevel),
                "execution-mode" => Choice(key, value, ExecutionModes, ref options.ExecutionMode),
                "execution-provider" => Provider(value, ref options.ExecutionProvider),
                "max-receive-message-size" => Integer(key, value, 1, int.MaxValue, ref options.MaxReceiveMessageSize),
                "max-in-flight-bytes" => Long(key, value, 1, long.MaxValue, ref options.MaxInFlightBytes),
                "drain-delay-ms" => Integer(key, value, 0, int.MaxValue, ref options.DrainDelayMs),
                "drain-timeout-ms" => Integer(key, value, 0, int.MaxValue, ref options.DrainTimeoutMs),
                "prediction-log" => Set(ref options.PredictionLog, value),
                "prediction-log-sample" => SampleRate(value, ref options.PredictionLogSample),
                "prediction-log-max-bytes" => Integer(key, value, 1024, int.MaxValue, ref options.PredictionLogMaxBytes),
                "prediction-log-max-files" => Integer(key, value, 1, 100_000, ref options.PredictionLogMaxFiles),
                _ => $"Unknown option '--{key}'.",
            };
            if (error is not null)
            {
                return null;
            }
        }

        var missing = new[] { ("--model", model), ("--name", name), ("--version", version) }
            .Where(pair => string.IsNullOrWhiteSpace(pair.Item2))
            .Select(pair => pair.Item1)
            .ToArray();
        if (missing.Length > 0)
        {
            error = $"Missing required option{(missing.Length > 1 ? "s" : string.Empty)}: {string.Join(", ", missing)}.";
            return null;
        }

        return new ModelServerOptions
        {
            ModelPath = model,
            ModelName = name,
            ModelVersion = version,
            Host = options.Host,
            GrpcPort = options.GrpcPort,
            HttpPort = options.HttpPort,
            // With batching, room for one batch running and the next one filling.
            MaxInFlight = options.Batching && !options.MaxInFlightGiven
                ? (int)Math.Min(int.MaxValue, Math.Max(options.MaxInFlight, 2L * options.MaxBatchSize))
                : options.MaxInFlight,
            QueueTimeout = TimeSpan.FromMilliseconds(options.QueueTimeoutMs),
            Batching = options.Batching,
            MaxBatchSize = options.MaxBatchSize,
            MaxBatchDelay = TimeSpan.FromMicroseconds(options.MaxBatchDelayUs),
            IntraOpThreads = options.IntraOpThreads,
            InterOpThreads = options.InterOpThreads,
            OptimizationLevel = options.OptimizationLevel,
            ExecutionMode = options.ExecutionMode,
            ExecutionProvider = options.ExecutionProvider,
            MaxReceiveMessageSize = options.MaxReceiveMessageSize,
            MaxInFlightBytes = options.MaxInFlightBytes,
            DrainDelay = TimeSpan.FromMilliseconds(options.DrainDelayMs),
            DrainTimeout = TimeSpan.FromMilliseconds(options.DrainTimeoutMs),
            SkipWarmup = options.SkipWarmup,
            PredictionLog = options.PredictionLog.Length == 0 ? null : new PredictionLogOptions
            {
                Target = options.PredictionLog,
                SampleRate = options.PredictionLogSample,
                MaxFileBytes = options.PredictionLogMaxBytes,
                MaxFiles = options.PredictionLogMaxFiles,
            },
        };
    }

    private static string? Set(ref string target, string value)
    {
        target = value;
        return null;
    }

    // The same rule the host applies when it binds; checked here so a mistake is a usage error (exit 2).
    private static string? HostAddress(string value, ref string target) =>
        string.Equals(value, "localhost", StringComparison.OrdinalIgnoreCase) || System.Net.IPAddress.TryParse(value, out _)
            ? Set(ref target, value)
            : $"--host must be an IP address (or localhost), not '{value}'.";

    private static string? Choice<T>(string key, string value, Dictionary<string, T> choices, ref T target)
    {
        if (!choices.TryGetValue(value, out var parsed))
        {
            return $"--{key} must be one of {string.Join(", ", choices.Keys)}, not '{value}'.";
        }

        target = parsed;
        return null;
    }

    // Any name: whether ONNX Runtime has the provider is known only once the library is loaded (at startup).
    private static string? Provider(string value, ref string target) =>
        string.IsNullOrWhiteSpace(value) || value.Any(char.IsWhiteSpace)
            ? $"--execution-provider must be a provider name such as cpu or cuda, not '{value}'."
            : Set(ref target, value);

    private static string? Port(string key, string value, ref int target) => Integer(key, value, 0, 65535, ref target);

    private static string? SampleRate(string value, ref double target)
    {
        try
        {
            target = PredictionLogOptions.ParseSampleRate(value);
            return null;
        }
        catch (FormatException ex)
        {
            return ex.Message + ".";
        }
    }

    private static string? Integer(string key, string value, int min, int max, ref int target, ref bool given)
    {
        given = true;
        return Integer(key, value, min, max, ref target);
    }

    private static string? Integer(string key, string value, int min, int max, ref int target)
    {
        if (!int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var parsed) || parsed < min || parsed > max)
        {
            return $"--{key} must be an integer from {min} to {max}, not '{value}'.";
        }

        target = parsed;
        return null;
    }

    private static string? Long(string key, string value, long min, long max, ref long target)
    {
        if (!long.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var parsed) || parsed < min || parsed > max)
        {
            return $"--{key} must be an integer from {min} to {max}, not '{value}'.";
        }

        target = parsed;
        return null;
    }

    // Mutable scratch for parsing; the result is the immutable ModelServerOptions.
    private sealed class Builder
    {
        private static readonly ModelServerOptions Defaults = new() { ModelPath = "", ModelName = "", ModelVersion = "" };

        public string Host = Defaults.Host;
        public int GrpcPort = Defaults.GrpcPort;
        public int HttpPort = Defaults.HttpPort;
        public int MaxInFlight = Defaults.MaxInFlight;
        public bool MaxInFlightGiven;
        public int QueueTimeoutMs = (int)Defaults.QueueTimeout.TotalMilliseconds;
        public bool Batching = Defaults.Batching;
        public int MaxBatchSize = Defaults.MaxBatchSize;
        public int MaxBatchDelayUs = (int)Defaults.MaxBatchDelay.TotalMicroseconds;
        public int IntraOpThreads = Defaults.IntraOpThreads;
        public int InterOpThreads = Defaults.InterOpThreads;
        public GraphOptimizationLevel OptimizationLevel = Defaults.OptimizationLevel;
        public ExecutionMode ExecutionMode = Defaults.ExecutionMode;
        public string ExecutionProvider = Defaults.ExecutionProvider;
        public int MaxReceiveMessageSize = Defaults.MaxReceiveMessageSize;
        public long MaxInFlightBytes = Defaults.MaxInFlightBytes;
        public int DrainDelayMs = (int)Defaults.DrainDelay.TotalMilliseconds;
        public int DrainTimeoutMs = (int)Defaults.DrainTimeout.TotalMilliseconds;
        public bool SkipWarmup = Defaults.SkipWarmup;
        public string PredictionLog = string.Empty;
        public double PredictionLogSample = PredictionLogOptions.DefaultSampleRate;
        public int PredictionLogMaxBytes = 64 * 1024 * 1024;
        public int PredictionLogMaxFiles = 10;
    }
}
