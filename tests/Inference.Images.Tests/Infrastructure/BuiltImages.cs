using System.Diagnostics;

namespace Inference.Images.Tests.Infrastructure;

/// <summary>
/// Every image of the chart, built once per test run by helm/docker/build.sh exactly as a developer runs it
/// (stand-in bases, the repository's Dockerfiles unchanged), under a registry name of this run's own so
/// that parallel runs on one machine never share an image; removed at the end. The running containers the
/// tests share (the model server alone, the whole stack) are started on first use and stopped at the end.
/// </summary>
public sealed class BuiltImages : IAsyncLifetime
{
    private static readonly TimeSpan BuildTimeout = TimeSpan.FromMinutes(20);

    private readonly Dictionary<string, string> _images = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _startLock = new(1, 1);
    private ModelServerContainer? _modelServer;
    private ImageStack? _stack;
    private ProcessResult? _build;

    /// <summary>The registry part of every image name of this run (chart value image.registry).</summary>
    public string Registry { get; } = "localhost/inference-tests-" + Guid.NewGuid().ToString("N")[..12];

    /// <summary>How long the build took (stand-in bases included when they had to be made).</summary>
    public TimeSpan BuildTime { get; private set; }

    public async Task InitializeAsync()
    {
        if (Peers.SkipReason(ImagePeers.All) is not null)
        {
            return; // every test of the collection is skipped, naming what is missing
        }

        var clock = Stopwatch.StartNew();
        _build = await ChildProcess.RunAsync(
            "bash", [RepoPaths.File("helm", "docker", "build.sh"), "--stand-in-bases", "--registry", Registry],
            timeout: BuildTimeout, workingDirectory: RepoPaths.Root);
        BuildTime = clock.Elapsed;
        foreach (var line in _build.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = line.Split(' ', 2);
            _images[parts[0]] = parts[1].Trim();
        }
    }

    /// <summary>The name of the image the build gave <paramref name="role"/> (modelserver, router, iris-1, iris-2).</summary>
    public string Image(string role)
    {
        ImagePeers.Require();
        Assert.True(_build is { ExitCode: 0 }, $"helm/docker/build.sh failed: {_build}");
        Assert.True(_images.TryGetValue(role, out var image), $"build.sh printed no {role} image:\n{_build!.Stdout}");
        return image!;
    }

    /// <summary>Every image the build printed, by role.</summary>
    public IReadOnlyDictionary<string, string> Images
    {
        get
        {
            Image("router");
            return _images;
        }
    }

    /// <summary>The model server image alone, started with the chart's flags for a model on a volume.</summary>
    public async Task<ModelServerContainer> ModelServerAsync()
    {
        await _startLock.WaitAsync();
        try
        {
            return _modelServer ??= await ModelServerContainer.StartAsync(this);
        }
        finally
        {
            _startLock.Release();
        }
    }

    /// <summary>The whole stack of images: iris v1 and v2 model images and the router image in front of them.</summary>
    public async Task<ImageStack> StackAsync()
    {
        await _startLock.WaitAsync();
        try
        {
            return _stack ??= await ImageStack.StartAsync(this);
        }
        finally
        {
            _startLock.Release();
        }
    }

    public async Task DisposeAsync()
    {
        if (_stack is not null)
        {
            await _stack.DisposeAsync();
        }

        if (_modelServer is not null)
        {
            await _modelServer.DisposeAsync();
        }

        // Model images first: they are built on the model server image.
        foreach (var image in _images.Values.OrderBy(i => i.Contains("/inference/iris:", StringComparison.Ordinal) ? 0 : 1))
        {
            await Buildah.RemoveAsync("rmi", image);
        }

        _startLock.Dispose();
    }
}
