namespace Inference.Images.Tests.Infrastructure;

/// <summary>A container of the rendered chart; <paramref name="Command"/> is null when the image's ENTRYPOINT runs.</summary>
internal sealed record ChartContainer(string Image, IReadOnlyList<string>? Command, IReadOnlyList<string> Args, IReadOnlyList<ChartMount> Mounts)
{
    /// <summary>
    /// The chart's flags with the value after each of <paramref name="portFlags"/> replaced by 0: the images run
    /// on the host's network here, where fixed ports could be taken; the processes log the ports they bound.
    /// </summary>
    public IReadOnlyList<string> ArgsOnFreePorts(params string[] portFlags)
    {
        var args = Args.ToList();
        foreach (var flag in portFlags)
        {
            var index = args.IndexOf(flag);
            Assert.True(index >= 0 && index + 1 < args.Count, $"the chart gives {Image} no {flag}: {string.Join(' ', Args)}");
            args[index + 1] = "0";
        }

        return args;
    }

    /// <summary>The chart's value of <paramref name="flag"/>.</summary>
    public string Flag(string flag)
    {
        var index = Args.ToList().IndexOf(flag);
        return index >= 0 && index + 1 < Args.Count ? Args[index + 1] : throw new InvalidOperationException($"the chart gives {Image} no {flag}");
    }
}
