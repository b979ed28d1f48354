using System.Globalization;
using Inference.Experiments.Targets;

namespace Inference.Experiments.Cli;

/// <summary>Parses <c>inference-exp &lt;command&gt; [arguments] [options]</c>; options may come anywhere.</summary>
internal static class CommandLine
{
    private const double MaxTimeoutSeconds = 600;

    /// <summary>The request, or a <see cref="UsageException"/> saying what is wrong.</summary>
    /// <param name="command">Set as soon as the command is known, so a usage error can show that command's help.</param>
    public static CliRequest Parse(IReadOnlyList<string> args, out CommandKind? command)
    {
        command = null;
        var positional = new List<string>();
        var admin = new List<Uri>();
        var dns = new List<DnsTarget>();
        string? tokenFile = null;
        TimeSpan? timeout = null;
        bool help = false, leadingHelp = false, json = false, dryRun = false, force = false;
        var pending = new Queue<string>(args);
        while (pending.TryDequeue(out var arg))
        {
            if (!arg.StartsWith('-') || arg == "-")
            {
                // The first positional is the command ("help <command>" too), known from here on for usage errors.
                if (command is null && positional.Count == 0 && arg == "help" && !leadingHelp)
                {
                    leadingHelp = true;
                }
                else if (command is null && positional.Count == 0)
                {
                    command = ParseCommand(arg);
                }
                else
                {
                    positional.Add(arg);
                }

                continue;
            }

            // "--flag=value" and "--flag value" are the same.
            var (flag, inline) = arg.StartsWith("--", StringComparison.Ordinal) && arg.IndexOf('=') is > 0 and var at
                ? (arg[..at], arg[(at + 1)..])
                : (arg, null);
            string Value() => inline ?? (pending.TryDequeue(out var next) ? next : throw new UsageException($"{flag} needs a value"));

            switch (flag)
            {
                case "-h" or "--help":
                    help = true;
                    break;
                case "--admin":
                    admin.AddRange(List(Value()).Select(ParseAdmin));
                    break;
                case "--admin-dns":
                    dns.AddRange(List(Value()).Select(DnsTarget.Parse));
                    break;
                case "--token-file":
                    tokenFile = Value();
                    break;
                case "--timeout":
                    timeout = ParseTimeout(Value());
                    break;
                case "--json":
                    json = true;
                    break;
                case "--dry-run":
                    dryRun = true;
                    break;
                case "--force":
                    force = true;
                    break;
                default:
                    throw new UsageException($"unknown option '{arg}'");
            }
        }

        if (help || leadingHelp)
        {
            return new CliRequest { Command = command, ShowHelp = true };
        }

        if (command is null)
        {
            throw new UsageException("no command given");
        }

        if ((dryRun || force) && command != CommandKind.Set)
        {
            throw new UsageException($"{(dryRun ? "--dry-run" : "--force")} applies to 'set' only");
        }

        var request = new CliRequest
        {
            Command = command,
            Admin = admin,
            AdminDns = dns,
            TokenFile = tokenFile,
            Json = json,
            DryRun = dryRun,
            Force = force,
            Timeout = timeout ?? CliRequest.DefaultTimeout,
        };
        request = command switch
        {
            CommandKind.Status when positional.Count <= 1 => request with { Model = positional.FirstOrDefault() },
            CommandKind.Status => throw new UsageException($"status takes at most one model, not '{string.Join(' ', positional)}'"),
            CommandKind.Rollback when positional.Count == 1 => request with { Model = positional[0] },
            CommandKind.Rollback => throw new UsageException(positional.Count == 0 ? "rollback needs a model" : $"rollback takes one model, not '{string.Join(' ', positional)}'"),
            CommandKind.Results when positional.Count == 1 => request with { Model = positional[0] },
            CommandKind.Results => throw new UsageException(positional.Count == 0 ? "results needs a model" : $"results takes one model, not '{string.Join(' ', positional)}'"),
            _ when positional.Count >= 2 => request with { Model = positional[0], Weights = ParseWeights(positional.Skip(1)) },
            _ => throw new UsageException(positional.Count == 0 ? "set needs a model and at least one <group>=<weight>" : "set needs at least one <group>=<weight> after the model"),
        };

        if (admin.Count == 0 && dns.Count == 0)
        {
            throw new UsageException("no router instance given: use --admin <url> or --admin-dns <name>:<port>");
        }

        return request;
    }

    private static CommandKind ParseCommand(string text) => text switch
    {
        "status" => CommandKind.Status,
        "set" => CommandKind.Set,
        "rollback" => CommandKind.Rollback,
        "results" => CommandKind.Results,
        _ => throw new UsageException($"unknown command '{text}' (commands: status, set, rollback, results)"),
    };

    private static IEnumerable<string> List(string value) =>
        value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries) is { Length: > 0 } parts
            ? parts
            : throw new UsageException("an empty instance list was given");

    /// <summary>An absolute http(s) base address; a path is kept as a prefix (an API proxy's, say).</summary>
    private static Uri ParseAdmin(string text)
    {
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps)
            || uri.Query.Length > 0 || uri.Fragment.Length > 0 || uri.UserInfo.Length > 0)
        {
            throw new UsageException($"--admin takes a router admin address such as http://10.1.2.3:8081, not '{text}'");
        }

        return uri.AbsolutePath.EndsWith('/') ? uri : new Uri(uri.GetLeftPart(UriPartial.Path) + "/");
    }

    private static TimeSpan ParseTimeout(string text) =>
        double.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var seconds) && seconds > 0 && seconds <= MaxTimeoutSeconds
            ? TimeSpan.FromSeconds(seconds)
            : throw new UsageException($"--timeout takes seconds (more than 0, at most {MaxTimeoutSeconds}), not '{text}'");

    private static List<KeyValuePair<string, decimal>> ParseWeights(IEnumerable<string> arguments)
    {
        var weights = new List<KeyValuePair<string, decimal>>();
        foreach (var argument in arguments)
        {
            // A group name may itself hold '=' (names are any visible ASCII); a weight never does.
            var equals = argument.LastIndexOf('=');
            if (equals <= 0)
            {
                throw new UsageException($"weights are given as <group>=<weight>, e.g. treatment=25, not '{argument}'");
            }

            var group = argument[..equals];
            var text = argument[(equals + 1)..];
            if (!decimal.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var weight))
            {
                throw new UsageException($"the weight of group '{group}' must be a non-negative number, not '{text}'");
            }

            if (weights.Any(w => w.Key == group))
            {
                throw new UsageException($"group '{group}' is given twice");
            }

            weights.Add(new(group, weight));
        }

        return weights;
    }
}
