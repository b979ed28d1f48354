using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Inference.Experiments.Admin;
using Inference.Experiments.Commands;
using Inference.Experiments.Output;
using Inference.Experiments.Reports;
using Inference.Experiments.Targets;

namespace Inference.Experiments.Cli;

/// <summary>Runs one command line: parse, resolve the instances, run the command, write the report; returns the exit code.</summary>
internal static class ExperimentsApp
{
    public static async Task<int> RunAsync(IReadOnlyList<string> args, CliContext context, CancellationToken cancellationToken)
    {
        CliRequest request;
        CommandKind? command = null;
        string? token;
        try
        {
            request = CommandLine.Parse(args, out command);
            if (request.ShowHelp)
            {
                await context.Out.WriteLineAsync(HelpText.For(request.Command));
                return ExitCodes.Ok;
            }

            token = await ReadTokenAsync(request, context, cancellationToken);
        }
        catch (UsageException ex)
        {
            await context.Error.WriteLineAsync($"error: {ex.Message}");
            await context.Error.WriteLineAsync(HelpText.UsageLine(command));
            await context.Error.WriteLineAsync($"Run 'inference-exp {(command is null ? "" : HelpText.Name(command.Value) + " ")}--help' for more.");
            return ExitCodes.Usage;
        }

        try
        {
            var notes = new List<string>();
            var targets = await new TargetResolver(context.Resolve).ResolveAsync(request.Admin, request.AdminDns, notes, cancellationToken);
            // Notes go to stderr with --json too: stdout stays pure JSON, and a script still learns, for instance,
            // that a name resolved to one address (perhaps one router behind a ClusterIP Service, not all of them).
            foreach (var note in notes)
            {
                await context.Error.WriteLineAsync($"note: {note}");
            }

            using var http = new HttpClient(context.CreateHandler(request.Timeout), disposeHandler: true) { Timeout = request.Timeout };
            var client = new AdminClient(http, token);
            return request.Command switch
            {
                CommandKind.Status => await WriteAsync(await new StatusCommand(client).RunAsync(targets, request.Model, cancellationToken), request, context),
                CommandKind.Results => await WriteAsync(await new ResultsCommand(client).RunAsync(targets, request.Model!, cancellationToken), request, context),
                CommandKind.Set => await WriteAsync(await new SetCommand(client).RunAsync(targets, request.Model!, request.Weights, request.DryRun, request.Force, cancellationToken), request, context),
                _ => await WriteAsync(await new RollbackCommand(client, context.Time, context.RetryDelay).RunAsync(targets, request.Model!, cancellationToken), request, context),
            };
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await context.Error.WriteLineAsync("cancelled: instances already called may have been changed; run status to see");
            return ExitCodes.Cancelled;
        }
    }

    /// <summary>The token from --token-file, else ROUTER_ADMIN_TOKEN; null for none (a router without a token).</summary>
    private static async Task<string?> ReadTokenAsync(CliRequest request, CliContext context, CancellationToken cancellationToken)
    {
        if (request.TokenFile is null)
        {
            return context.Environment("ROUTER_ADMIN_TOKEN") is { } fromEnvironment && !string.IsNullOrWhiteSpace(fromEnvironment) ? fromEnvironment.Trim() : null;
        }

        string token;
        try
        {
            token = (await File.ReadAllTextAsync(request.TokenFile, cancellationToken)).Trim();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"cannot read --token-file '{request.TokenFile}': {ex.Message}");
        }

        return token.Length > 0 ? token : throw new UsageException($"--token-file '{request.TokenFile}' is empty");
    }

    /// <summary>Writes the report as JSON or as text and returns its exit code.</summary>
    private static async Task<int> WriteAsync<T>(T report, int exitCode, JsonTypeInfo<T> json, Func<T, TextWriter, Task> text, CliRequest request, CliContext context)
    {
        if (request.Json)
        {
            await context.Out.WriteLineAsync(JsonSerializer.Serialize(report, json));
        }
        else
        {
            await text(report, context.Out);
        }

        return exitCode;
    }

    private static Task<int> WriteAsync(StatusReport report, CliRequest request, CliContext context) =>
        WriteAsync(report, report.ExitCode, ReportJsonContext.Default.StatusReport, StatusText.WriteAsync, request, context);

    private static Task<int> WriteAsync(ResultsReport report, CliRequest request, CliContext context) =>
        WriteAsync(report, report.ExitCode, ReportJsonContext.Default.ResultsReport, ResultsText.WriteAsync, request, context);

    private static Task<int> WriteAsync(ChangeReport report, CliRequest request, CliContext context) =>
        WriteAsync(report, report.ExitCode, ReportJsonContext.Default.ChangeReport, ChangeText.WriteAsync, request, context);
}
