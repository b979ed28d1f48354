using System.Globalization;
using Inference.Router.Admin;

namespace Inference.Router.Hosting;

/// <summary>Parses the router's flags.</summary>
internal static class CommandLine
{
    public const string Usage = """
        Usage: Inference.Router --config <router.json> [--host 0.0.0.0] [--port 8080] [--admin-port 8081]
                                [--admin-token-file <file>] [--state-file <file>] [--drain-delay-ms 5000]
                                [--max-receive-message-size 67108864] [--first-message-timeout-ms 30000]
                                [--max-connections 10000] [--max-config-bytes 4194304] [--max-state-bytes 1048576]
                                [--max-admin-body-bytes 65536]
                                [--prediction-log <dir|->] [--prediction-log-sample 0.01]
          --config            routing configuration (JSON); watched and reloaded on change
          --host              address to listen on (IP literal, or 'localhost'); default 0.0.0.0
          --port              gRPC port (HTTP/2 cleartext); 0 picks a free port; default 8080
          --admin-port        admin API, /metrics, /healthz, /readyz (HTTP/1.1); default 8081
          --admin-token-file  file holding the admin bearer token, re-read when it changes (else env
                              ROUTER_ADMIN_TOKEN); without a token the admin port listens on 127.0.0.1 only
          --state-file        where admin weight changes are kept across restarts (experiment statistics
                              are kept beside it, in <name>.results.json)
          --prediction-log    record sampled calls as JSON Lines: rotating files in a directory, or - for stdout
          --prediction-log-sample      share of calls recorded, 0 to 1; default 0.01
          --prediction-log-max-bytes   start a new file past this size; default 67108864
          --prediction-log-max-files   files kept, the oldest deleted; default 10
          --drain-delay-ms    after SIGTERM, keep serving this long while /readyz reports 503, so load
                              balancers stop sending first; default 5000
          --max-receive-message-size  largest request message forwarded (bytes); larger ones get
                              RESOURCE_EXHAUSTED as soon as their length is known; default 64 MiB
          --first-message-timeout-ms  time for a request's first message to arrive far enough to read
                              the model; then DEADLINE_EXCEEDED; default 30000
          --max-connections   client connections open at once on the gRPC port; default 10000
          --max-config-bytes  largest configuration file accepted; default 4 MiB
          --max-state-bytes   largest state file read at start (a larger one is skipped); default 1 MiB
          --max-admin-body-bytes  largest admin API request body; larger ones get 413; default 64 KiB
        Environment: ROUTER_ADMIN_TOKEN (the admin token without --admin-token-file); OTEL_EXPORTER_OTLP_ENDPOINT
        turns tracing on (OTLP export, with the other OTEL_* variables).
        """;

    public static RouterOptions Parse(IReadOnlyList<string> args, Func<string, string?> environment)
    {
        string? config = null;
        string? host = null;
        string? tokenFile = null;
        string? stateFile = null;
        string? predictionLog = null;
        var predictionSample = Inference.PredictionLog.PredictionLogOptions.DefaultSampleRate;
        var predictionMaxBytes = 64L * 1024 * 1024;
        var predictionMaxFiles = 10;
        int? port = null;
        int? adminPort = null;
        int? drainDelayMs = null;
        var limits = new RouterLimits();
        for (var i = 0; i < args.Count; i++)
        {
            var flag = args[i];
            string? inline = null;
            var equals = flag.IndexOf('=');
            if (flag.StartsWith("--", StringComparison.Ordinal) && equals > 0)
            {
                inline = flag[(equals + 1)..];
                flag = flag[..equals];
            }

            if (flag is "--help" or "-h")
            {
                throw new UsageException("");
            }

            string Value()
            {
                if (inline is not null)
                {
                    return inline;
                }

                if (i + 1 >= args.Count)
                {
                    throw new UsageException($"{flag} needs a value");
                }

                return args[++i];
            }

            switch (flag)
            {
                case "--config":
                    config = Value();
                    break;
                case "--host":
                    host = Value();
                    break;
                case "--port":
                    port = ParsePort(flag, Value());
                    break;
                case "--admin-port":
                    adminPort = ParsePort(flag, Value());
                    break;
                case "--admin-token-file":
                    tokenFile = Value();
                    break;
                case "--state-file":
                    stateFile = Value();
                    break;
                case "--drain-delay-ms":
                    var text = Value();
                    drainDelayMs = int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var ms) && ms <= 600_000
                        ? ms
                        : throw new UsageException($"--drain-delay-ms must be milliseconds from 0 to 600000, not '{text}'");
                    break;
                case "--max-receive-message-size":
                    limits = limits with { MaxReceiveMessageSize = (int)ParseNumber(flag, Value(), 1, int.MaxValue) };
                    break;
                case "--first-message-timeout-ms":
                    limits = limits with { FirstMessageTimeout = TimeSpan.FromMilliseconds(ParseNumber(flag, Value(), 1, 3_600_000)) };
                    break;
                case "--max-connections":
                    limits = limits with { MaxConnections = ParseNumber(flag, Value(), 1, 1_000_000) };
                    break;
                case "--max-config-bytes":
                    limits = limits with { MaxConfigBytes = ParseNumber(flag, Value(), 1, int.MaxValue) };
                    break;
                case "--max-state-bytes":
                    limits = limits with { MaxStateBytes = ParseNumber(flag, Value(), 1, int.MaxValue) };
                    break;
                case "--max-admin-body-bytes":
                    limits = limits with { MaxAdminBodyBytes = ParseNumber(flag, Value(), 1, int.MaxValue) };
                    break;
                case "--prediction-log":
                    predictionLog = Value();
                    break;
                case "--prediction-log-sample":
                    var rate = Value();
                    try
                    {
                        predictionSample = Inference.PredictionLog.PredictionLogOptions.ParseSampleRate(rate);
                    }
                    catch (FormatException ex)
                    {
                        throw new UsageException(ex.Message);
                    }

                    break;
                case "--prediction-log-max-bytes":
                    var bytes = Value();
                    predictionMaxBytes = long.TryParse(bytes, NumberStyles.None, CultureInfo.InvariantCulture, out var b) && b >= 1024
                        ? b
                        : throw new UsageException($"--prediction-log-max-bytes must be a size in bytes of at least 1024, not '{bytes}'");
                    break;
                case "--prediction-log-max-files":
                    var files = Value();
                    predictionMaxFiles = int.TryParse(files, NumberStyles.None, CultureInfo.InvariantCulture, out var f) && f >= 1
                        ? f
                        : throw new UsageException($"--prediction-log-max-files must be a count of at least 1, not '{files}'");
                    break;
                default:
                    throw new UsageException($"unknown argument '{args[i]}'");
            }
        }

        if (string.IsNullOrEmpty(config))
        {
            throw new UsageException("--config is required");
        }

        var options = new RouterOptions { ConfigPath = config, StateFile = stateFile, Limits = limits };
        options = options with
        {
            Host = host ?? options.Host,
            Port = port ?? options.Port,
            AdminPort = adminPort ?? options.AdminPort,
            DrainDelay = drainDelayMs is { } delay ? TimeSpan.FromMilliseconds(delay) : options.DrainDelay,
            Tracing = !string.IsNullOrEmpty(environment(RouterTelemetry.OtlpEndpointVariable)),
            PredictionLog = predictionLog is null ? null : new Inference.PredictionLog.PredictionLogOptions
            {
                Target = predictionLog,
                SampleRate = predictionSample,
                MaxFileBytes = predictionMaxBytes,
                MaxFiles = predictionMaxFiles,
            },
        };

        if (options.Port != 0 && options.Port == options.AdminPort)
        {
            throw new UsageException("--port and --admin-port must differ");
        }

        string? token;
        if (tokenFile is not null)
        {
            token = AdminTokenFile.TryRead(tokenFile, out var problem)
                ?? throw new UsageException($"--admin-token-file '{tokenFile}' is unusable ({problem})");
        }
        else
        {
            token = environment("ROUTER_ADMIN_TOKEN");
        }

        return options with { AdminToken = string.IsNullOrWhiteSpace(token) ? null : token.Trim(), AdminTokenFile = tokenFile };
    }

    private static int ParsePort(string flag, string value) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port is >= 0 and <= 65535
            ? port
            : throw new UsageException($"{flag} must be a port number (0-65535), not '{value}'");

    private static long ParseNumber(string flag, string value, long min, long max) =>
        long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var number) && number >= min && number <= max
            ? number
            : throw new UsageException($"{flag} must be a whole number from {min} to {max}, not '{value}'");
}
