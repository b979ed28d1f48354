using System.Globalization;

namespace Inference.Client.Example;

internal sealed record ExampleOptions(Uri Address, string Model, int Users, string UserPrefix, string? Version, string? Group, string? Outcome = null)
{
    public const string Usage =
        "Usage: Inference.Client.Example [--address http://127.0.0.1:8080] [--model iris] [--users 12]\n" +
        "                                [--user-prefix user-] [--version <pin>] [--group <override>]\n" +
        "                                [--outcome <boolean metric>]  (reports one outcome per answer to the router)";

    public static ExampleOptions? Parse(string[] args)
    {
        var result = new ExampleOptions(new Uri("http://127.0.0.1:8080"), "iris", 12, "user-", null, null);
        for (var i = 0; i < args.Length; i++)
        {
            if (i + 1 >= args.Length)
            {
                return null;
            }

            var value = args[++i];
            switch (args[i - 1])
            {
                case "--address" when Uri.TryCreate(value, UriKind.Absolute, out var address):
                    result = result with { Address = address };
                    break;
                case "--model":
                    result = result with { Model = value };
                    break;
                case "--users" when int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var users) && users > 0:
                    result = result with { Users = users };
                    break;
                case "--user-prefix":
                    result = result with { UserPrefix = value };
                    break;
                case "--version":
                    result = result with { Version = value };
                    break;
                case "--outcome":
                    result = result with { Outcome = value };
                    break;
                case "--group":
                    result = result with { Group = value };
                    break;
                default:
                    return null;
            }
        }

        return result;
    }
}
