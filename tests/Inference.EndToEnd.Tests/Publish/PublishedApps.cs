using Inference.EndToEnd.Tests.Infrastructure;

namespace Inference.EndToEnd.Tests.Publish;

/// <summary>
/// The model server and the router published once per test run, exactly as the container images
/// build them (<c>dotnet publish &lt;project&gt; -c Release -o &lt;dir&gt; -p:UseAppHost=false</c>), into a temp directory.
/// </summary>
public sealed class PublishedApps : IAsyncLifetime
{
    private static readonly TimeSpan PublishTimeout = TimeSpan.FromMinutes(10);

    private readonly TempDirectory _directory = new("publish");

    internal string ModelServerDirectory => _directory.File("modelserver");

    internal string RouterDirectory => _directory.File("router");

    internal PublishResult ModelServer { get; private set; } = null!;

    internal PublishResult Router { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        // One after the other: both build the shared projects into the same artifacts folder.
        ModelServer = await PublishAsync(RepoPaths.ModelServerProject, ModelServerDirectory, _directory.File("artifacts"));
        Router = await PublishAsync(RepoPaths.RouterProject, RouterDirectory, _directory.File("artifacts"));
    }

    public Task DisposeAsync()
    {
        _directory.Dispose();
        return Task.CompletedTask;
    }

    private static async Task<PublishResult> PublishAsync(string project, string output, string artifacts)
    {
        // The test host's MSBuild variables would point the child build at the wrong SDK pieces.
        var environment = Environment.GetEnvironmentVariables().Keys.Cast<string>()
            .Where(k => k.StartsWith("MSBuild", StringComparison.OrdinalIgnoreCase) || k.StartsWith("VSTEST", StringComparison.OrdinalIgnoreCase))
            .ToDictionary(k => k, string? (_) => null);
        environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        environment["DOTNET_NOLOGO"] = "1";
        await using var publish = ChildProcess.Start(
            "dotnet publish " + Path.GetFileName(project),
            ChildProcess.DotnetHost,
            // --disable-build-servers: no compiler or MSBuild node outlives the build holding our output pipes.
            // --artifacts-path: the publish builds (without an app host) into its own folders, never into the
            // projects' bin/obj, where other tests start the executables the solution build made.
            ["publish", project, "-c", "Release", "-o", output, "--artifacts-path", artifacts,
             "-p:UseAppHost=false", "--disable-build-servers", "-nologo"],
            environment,
            workingDirectory: RepoPaths.Root);
        var exitCode = await publish.WaitForExitAsync(PublishTimeout);
        return new PublishResult(exitCode, publish.Output);
    }
}
