namespace Inference.Images.Tests.Infrastructure;

/// <summary>
/// A process started from an image as Kubernetes starts a container: <c>buildah from</c> the image, then
/// <c>buildah run --isolation chroot</c> of the container's <c>command</c> (the image's ENTRYPOINT when the
/// chart gives none) with the given arguments, as the image's USER, on the host's network, with bind mounts.
/// </summary>
internal sealed class ImageContainer : IAsyncDisposable
{
    private const UnixFileMode WorldReadable = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
        | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;

    private readonly string _container;
    private readonly TempDirectory _files;
    private int? _pid;

    private ImageContainer(string container, TempDirectory files, ImageConfig config, IReadOnlyList<string> command, ChildProcess process)
    {
        _container = container;
        _files = files;
        Config = config;
        Command = command;
        Process = process;
    }

    public ImageConfig Config { get; }

    /// <summary>What runs: the chart's command or the image's ENTRYPOINT (before the arguments).</summary>
    public IReadOnlyList<string> Command { get; }

    /// <summary>buildah run, whose output is the container's output.</summary>
    public ChildProcess Process { get; }

    /// <summary>The command's own process (buildah's chroot helpers sit between it and <see cref="Process"/>).</summary>
    public int Pid => _pid ??= FindCommandProcess()
        ?? throw new InvalidOperationException($"no process running {string.Join(' ', Command)} below buildah ({Process.Id}):\n{Process.Output}");

    /// <summary>
    /// Starts the chart's container <paramref name="chart"/> with <paramref name="args"/> and the chart's
    /// mounts (see <see cref="Mounts"/>; <paramref name="edit"/> may change a mounted file's contents).
    /// </summary>
    public static async Task<ImageContainer> StartAsync(
        string name, ChartRelease release, ChartContainer chart, IReadOnlyList<string> args, Func<string, string, string>? edit = null)
    {
        var config = await Buildah.InspectAsync(chart.Image);
        var files = new TempDirectory("image-mounts");
        var container = (await Buildah.RunAsync("from", "--pull-never", "--name", $"{name}-{Guid.NewGuid().ToString("N")[..12]}", chart.Image)).Trim();
        List<string> run = ["run", "--isolation", "chroot"];
        foreach (var mount in Mounts(release, chart, files, edit))
        {
            run.AddRange(["-v", $"{mount.Host}:{mount.Container}:{(mount.ReadOnly ? "ro" : "rw")}"]);
        }

        var command = chart.Command ?? config.Entrypoint;
        run.AddRange([container, "--", .. command, .. args]);
        return new ImageContainer(container, files, config, command, ChildProcess.Start(name, "buildah", run));
    }

    /// <summary>
    /// Host folders for the chart's mounts of <paramref name="container"/>: a ConfigMap's or Secret's files
    /// (passed through <paramref name="edit"/>: file name, contents → contents) written under
    /// <paramref name="directory"/>, a hostPath as it is. emptyDir volumes are left out: the image's own
    /// folder then serves (writable by the image's user where the process writes, as a plain `docker run` needs).
    /// </summary>
    private static List<(string Host, string Container, bool ReadOnly)> Mounts(ChartRelease release, ChartContainer container, TempDirectory directory, Func<string, string, string>? edit = null)
    {
        var mounts = new List<(string Host, string Container, bool ReadOnly)>();
        foreach (var mount in container.Mounts)
        {
            var volume = mount.Volume;
            if (volume["configMap"] is not null || volume["secret"] is not null)
            {
                var folder = directory.File(volume["name"]!.GetValue<string>());
                Directory.CreateDirectory(folder);
                foreach (var (file, contents) in release.Files(volume))
                {
                    var path = Path.Combine(folder, file);
                    File.WriteAllText(path, edit is null ? contents : edit(file, contents));
                    File.SetUnixFileMode(path, WorldReadable & ~(UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute));
                }

                // The image's user (not root) reads them, as it reads the kubelet's files (mode 0644 by default).
                File.SetUnixFileMode(folder, WorldReadable);
                mounts.Add((folder, mount.MountPath, mount.ReadOnly));
            }
            else if (volume["hostPath"]?["path"]?.GetValue<string>() is { } path)
            {
                mounts.Add((path, mount.MountPath, mount.ReadOnly));
            }
            else if (volume["emptyDir"] is null)
            {
                throw new NotSupportedException($"volume {volume.ToJsonString()} of {container.Image}");
            }
        }

        return mounts;
    }

    public async ValueTask DisposeAsync()
    {
        // Ending the command lets buildah run exit on its own and remove its run folder (killing
        // buildah itself would leave that behind); killing the tree is the fallback.
        if (!Process.HasExited && (_pid ?? FindCommandProcess()) is { } pid)
        {
            try
            {
                Signals.Send(pid, Signals.Kill);
                await Process.WaitForExitAsync(TimeSpan.FromSeconds(30));
            }
            catch (Exception e) when (e is InvalidOperationException or TimeoutException)
            {
                // Gone already, or buildah did not exit: the dispose below kills what is left.
            }
        }

        await Process.DisposeAsync();
        await Buildah.RemoveAsync("rm", _container);
        _files.Dispose();
    }

    private int? FindCommandProcess()
    {
        foreach (var pid in ProcFs.Descendants(Process.Id))
        {
            var commandLine = ProcFs.CommandLine(pid);
            if (commandLine.Count >= Command.Count
                && commandLine[0].EndsWith(Command[0], StringComparison.Ordinal)
                && commandLine.Skip(1).Take(Command.Count - 1).SequenceEqual(Command.Skip(1)))
            {
                return pid;
            }
        }

        return null;
    }
}
