using System.Globalization;

namespace Inference.Benchmarks.ModelServer.Support;

/// <summary><c>--name value</c> pairs and bare <c>--flag</c>s after the subcommand.</summary>
internal sealed class Arguments
{
    private readonly Dictionary<string, string?> _values = new(StringComparer.Ordinal);

    private Arguments()
    {
    }

    public static Arguments Parse(ReadOnlySpan<string> args)
    {
        var parsed = new Arguments();
        for (var i = 0; i < args.Length; i++)
        {
            var arg = args[i];
            if (!arg.StartsWith("--", StringComparison.Ordinal) || arg.Length == 2)
            {
                throw new UsageException($"Unexpected argument '{arg}'.");
            }

            var equals = arg.IndexOf('=', StringComparison.Ordinal);
            if (equals > 0)
            {
                parsed._values[arg[2..equals]] = arg[(equals + 1)..];
            }
            else if (i + 1 < args.Length && !args[i + 1].StartsWith("--", StringComparison.Ordinal))
            {
                parsed._values[arg[2..]] = args[++i];
            }
            else
            {
                parsed._values[arg[2..]] = null;
            }
        }

        return parsed;
    }

    public string Required(string name) =>
        _values.TryGetValue(name, out var value) && !string.IsNullOrEmpty(value)
            ? value
            : throw new UsageException($"--{name} is required.");

    public string Optional(string name, string fallback) =>
        _values.TryGetValue(name, out var value) && value is not null ? value : fallback;

    public bool Flag(string name) => _values.ContainsKey(name);

    public int Int(string name, int fallback, int min = 1)
    {
        if (!_values.TryGetValue(name, out var text) || text is null)
        {
            return fallback;
        }

        return int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) && value >= min
            ? value
            : throw new UsageException($"--{name} must be an integer ≥ {min}, not '{text}'.");
    }

    public double Double(string name, double fallback)
    {
        if (!_values.TryGetValue(name, out var text) || text is null)
        {
            return fallback;
        }

        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && value > 0
            ? value
            : throw new UsageException($"--{name} must be a positive number, not '{text}'.");
    }

    /// <summary>A comma-separated list of positive integers ("1,8,32").</summary>
    public int[] IntList(string name, int[] fallback)
    {
        if (!_values.TryGetValue(name, out var text) || text is null)
        {
            return fallback;
        }

        return text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(part => int.TryParse(part, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) && value >= 1
                ? value
                : throw new UsageException($"--{name} must list positive integers, not '{text}'."))
            .ToArray();
    }
}
