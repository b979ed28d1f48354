using Inference.Onnx.TestData;

namespace Inference.Onnx.Tests;

/// <summary>
/// The build step (native/fetch-onnxruntime.sh) hashes a cached ONNX Runtime library on every build: the release
/// passes, a changed file fails the build. It runs here on a scratch tree (the script finds the repository from
/// its own place), so nothing is downloaded and the real cache is untouched.
/// </summary>
public sealed class NativeLibraryCacheTests
{
    private const string ReleaseSha256X64 = "ffb75a925ba05e47b235bb66e3e3911714a80b328a9c9425539feb204aa32a23";

    [Fact]
    public async Task CachedLibrary_IsHashedOnEveryBuild_AndAChangedOneFailsIt()
    {
        var release = Path.Combine(AppContext.BaseDirectory, "libonnxruntime.so.1");
        var tree = Directory.CreateTempSubdirectory("ort-cache-");
        try
        {
            var script = Path.Combine(tree.FullName, "services", "Inference.Onnx", "native", "fetch-onnxruntime.sh");
            Directory.CreateDirectory(Path.GetDirectoryName(script)!);
            File.Copy(Path.Combine(AppContext.BaseDirectory, "native", "fetch-onnxruntime.sh"), script);
            var cached = Path.Combine(tree.FullName, ".cache", "onnxruntime", "1.30.0", "libonnxruntime.so.1");
            Directory.CreateDirectory(Path.GetDirectoryName(cached)!);

            // The release passes. (A build with INFERENCE_ONNXRUNTIME_LIBRARY set places no copy here to use.)
            if (Environment.GetEnvironmentVariable("INFERENCE_ONNXRUNTIME_LIBRARY") is not { Length: > 0 })
            {
                File.Copy(release, cached);
                var (passed, output, errors) = await RunScript(script);
                Assert.True(passed == 0, $"the release library was refused: {output}{errors}");
                Assert.DoesNotContain("downloading", output, StringComparison.Ordinal);
            }
            else
            {
                await File.WriteAllBytesAsync(cached, [0x7F, (byte)'E', (byte)'L', (byte)'F']);
            }

            await using (var file = new FileStream(cached, FileMode.Append))
            {
                file.WriteByte(0);
            }

            var (exitCode, _, stderr) = await RunScript(script);
            Assert.Equal(1, exitCode);
            Assert.Contains($"fetch-onnxruntime: error: {cached} has sha256 ", stderr, StringComparison.Ordinal);
            if (System.Runtime.InteropServices.RuntimeInformation.OSArchitecture == System.Runtime.InteropServices.Architecture.X64)
            {
                Assert.Contains($"expected {ReleaseSha256X64}", stderr, StringComparison.Ordinal);
            }

            Assert.Contains("delete", stderr, StringComparison.Ordinal);
        }
        finally
        {
            tree.Delete(recursive: true);
        }
    }

    // Without INFERENCE_ONNXRUNTIME_LIBRARY, which makes the script stand aside.
    private static Task<(int ExitCode, string Stdout, string Stderr)> RunScript(string script) =>
        ChildProcess.RunAsync("bash", [script], new Dictionary<string, string?> { ["INFERENCE_ONNXRUNTIME_LIBRARY"] = null });
}
