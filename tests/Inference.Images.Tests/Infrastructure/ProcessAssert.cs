namespace Inference.Images.Tests.Infrastructure;

/// <summary>Checks on a container's process, read from /proc on the host.</summary>
internal static class ProcessAssert
{
    /// <summary>The UID/GID the chart's securityContext gives every container, and the images' USER.</summary>
    public const int ChartUser = 10001;

    /// <summary>Every user and group id of the process is 10001 (real, effective, saved, filesystem; no other group).</summary>
    public static void RunsAsTheChartsUser(int pid)
    {
        Assert.All(ProcFs.UserIds(pid), id => Assert.Equal(ChartUser, id));
        Assert.All(ProcFs.GroupIds(pid), id => Assert.Equal(ChartUser, id));
        Assert.All(ProcFs.SupplementaryGroups(pid), id => Assert.Equal(ChartUser, id));
    }

    /// <summary>The process's root directory (the container's root filesystem), as the process's mount namespace names it.</summary>
    public static string Root(int pid)
    {
        var root = new DirectoryInfo($"/proc/{pid}/root").LinkTarget;
        Assert.False(string.IsNullOrEmpty(root) || root == "/", $"process {pid} runs in the host's root, not in its image");
        return root!;
    }

    /// <summary>A file of the process's root filesystem, readable from the host (through /proc, whatever its mounts).</summary>
    public static string FileInRoot(int pid, params string[] path) => Path.Combine([$"/proc/{pid}/root", .. path]);
}
