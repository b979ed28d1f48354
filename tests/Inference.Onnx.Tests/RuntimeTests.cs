using Inference.Onnx.Interop;

namespace Inference.Onnx.Tests;

public sealed class RuntimeTests
{
    [Fact]
    public void Version_IsTheFetchedRelease() => Assert.Equal("1.30.0", OnnxRuntime.Version);

    [Fact]
    public void BuildInfo_ComesFromTheLastFunctionOfTheTableUsed()
    {
        // GetBuildInfoString is entry 254: a wrong offset would crash or return something else.
        var info = OnnxRuntime.BuildInfo;
        Assert.StartsWith("ORT Build Info", info, StringComparison.Ordinal);
        Assert.Contains("git-commit-id", info, StringComparison.Ordinal);
    }

    [Fact]
    public void AvailableProviders_IncludeCpu() =>
        Assert.Contains("CPUExecutionProvider", OnnxRuntime.GetAvailableProviders());

    [Fact]
    public void Library_IsLoadedFromBesideTheTestAssembly()
    {
        if (Environment.GetEnvironmentVariable(OrtLibrary.EnvironmentVariable) is { Length: > 0 } configured)
        {
            Assert.Equal(configured, OnnxRuntime.LibraryPath);
            return;
        }

        Assert.Equal(Path.Combine(AppContext.BaseDirectory.TrimEnd('/'), "libonnxruntime.so.1"), OnnxRuntime.LibraryPath);
        Assert.True(File.Exists(OnnxRuntime.LibraryPath));
    }

    [Fact]
    public void ApiVersion_IsTheOldestThatHasEveryFunction() => Assert.Equal(15, OnnxRuntime.ApiVersion);
}
