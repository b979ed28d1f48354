using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Inference.Helm.Tests.Support;

/// <summary>
/// Prometheus' promtool (Debian package prometheus), which parses and type-checks PromQL and
/// evaluates alert rules against series written in a unit-test file. Files are written as JSON,
/// which promtool reads as YAML.
/// </summary>
internal static class Promtool
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(1);
    private static readonly Lazy<string?> Executable = new(() => Peers.FindExecutable("promtool"));
    private static readonly JsonSerializerOptions Readable = new() { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary><c>promtool check rules</c> on a rules file of these groups: syntax, types, rule fields; lint findings fail too.</summary>
    public static Task<ProcessResult> CheckRulesAsync(JsonArray groups) => InTemporaryDirectoryAsync(async directory =>
    {
        var rules = await WriteAsync(Path.Combine(directory, "rules.json"), new JsonObject { ["groups"] = groups.DeepClone() });
        return await RunAsync(["check", "rules", "--lint-fatal", rules], directory);
    });

    /// <summary><c>promtool test rules</c>: the cases' series evaluated by a rules file of these groups.</summary>
    public static Task<ProcessResult> TestRulesAsync(JsonArray groups, IEnumerable<AlertTestCase> cases) => InTemporaryDirectoryAsync(async directory =>
    {
        await WriteAsync(Path.Combine(directory, "rules.json"), new JsonObject { ["groups"] = groups.DeepClone() });
        var alerts = groups.SelectMany(g => g!["rules"]!.AsArray())
            .Select(r => r!.AsObject())
            .Where(r => r.ContainsKey("alert"))
            .ToDictionary(r => r["alert"]!.GetValue<string>());
        var test = await WriteAsync(Path.Combine(directory, "test.json"), new JsonObject
        {
            ["rule_files"] = new JsonArray("rules.json"),
            ["evaluation_interval"] = "1m",
            ["tests"] = new JsonArray([.. cases.Select(c => (JsonNode)c.ToJson(alerts))]),
        });
        return await RunAsync(["test", "rules", test], directory);
    });

    private static async Task<ProcessResult> InTemporaryDirectoryAsync(Func<string, Task<ProcessResult>> run)
    {
        using var directory = new TempDirectory("promtool");
        return await run(directory.Path);
    }

    private static async Task<string> WriteAsync(string file, JsonObject content)
    {
        await File.WriteAllTextAsync(file, content.ToJsonString(Readable));
        return file;
    }

    private static Task<ProcessResult> RunAsync(string[] arguments, string workingDirectory)
    {
        var promtool = Executable.Value ?? throw new InvalidOperationException(Peers.Missing(Peers.Promtool));
        return ChildProcess.RunAsync(promtool, arguments, timeout: Timeout, workingDirectory: workingDirectory);
    }
}
