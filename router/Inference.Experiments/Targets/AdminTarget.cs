namespace Inference.Experiments.Targets;

/// <summary>One router instance to call, or a name that could not be turned into any (<see cref="Problem"/>).</summary>
/// <param name="Name">How the instance is named in the output: its base address, or the DNS name that failed.</param>
/// <param name="Address">The admin API's base address (ends with '/'); null when <see cref="Problem"/> is set.</param>
internal sealed record AdminTarget(string Name, Uri? Address, string? Problem)
{
    public static AdminTarget For(Uri address) => new(DisplayName(address), address, null);

    private static string DisplayName(Uri address) => address.GetLeftPart(UriPartial.Path).TrimEnd('/');
}
