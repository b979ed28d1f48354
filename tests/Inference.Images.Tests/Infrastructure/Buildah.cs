using System.Text.Json.Nodes;

namespace Inference.Images.Tests.Infrastructure;

/// <summary>buildah commands the tests run; a failed command throws with what buildah said.</summary>
internal static class Buildah
{
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromMinutes(5);

    /// <summary>Runs <c>buildah &lt;arguments&gt;</c> and returns its standard output.</summary>
    public static async Task<string> RunAsync(params string[] arguments)
    {
        var result = await ChildProcess.RunAsync("buildah", arguments, timeout: CommandTimeout);
        return result.ExitCode == 0
            ? result.Stdout
            : throw new InvalidOperationException($"buildah {string.Join(' ', arguments)} failed: {result}");
    }

    /// <summary>The configuration and layers of a local image.</summary>
    public static async Task<ImageConfig> InspectAsync(string image) =>
        ImageConfig.Parse(JsonNode.Parse(await RunAsync("inspect", "--type", "image", image))!.AsObject());

    /// <summary>Removes a working container or an image, if it still exists; never fails the test.</summary>
    public static async Task RemoveAsync(string what, string name) =>
        // A failure means it is gone already: nothing is left to undo.
        await ChildProcess.RunAsync("buildah", [what, name], timeout: CommandTimeout);
}
