using System.Security.Cryptography;
using Inference.Onnx.TestData;
using Inference.Onnx.Tests.Support;

namespace Inference.Onnx.Tests;

/// <summary>
/// The committed models are exactly what their generators write: make_iris.py and make_fixtures.py run into a
/// scratch folder and every file must come out byte for byte as committed, SHA256SUMS included. (The build
/// copies the committed files and the generators next to the test assembly.)
/// </summary>
public sealed class ModelGenerationTests
{
    private static readonly Dictionary<string, string?> CleanPython = new() { ["PYTHONPATH"] = null, ["PYTHONHOME"] = null };

    [ModelToolsFact]
    public async Task Generators_RewriteTheCommittedModels_ByteForByte()
    {
        Assert.True(Peers.MissingModelTools is null, $"Peer required (INFERENCE_REQUIRE_PEERS=1) but missing: {Peers.MissingModelTools}");
        var scratch = Directory.CreateTempSubdirectory("models-");
        try
        {
            await Generate("make_iris.py", scratch.FullName);
            await Generate("make_fixtures.py", Path.Combine(scratch.FullName, "fixtures"));

            foreach (var folder in new[] { "iris", "fixtures" })
            {
                var committed = Path.Combine(Models.Root, folder);
                var generated = Path.Combine(scratch.FullName, folder);
                Assert.Equal(Files(committed), Files(generated));
                foreach (var file in Files(committed))
                {
                    Assert.True(
                        File.ReadAllBytes(Path.Combine(committed, file)).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(generated, file))),
                        $"{folder}/{file} differs from what the generator writes");
                }

                AssertSumsMatch(committed);
            }
        }
        finally
        {
            scratch.Delete(recursive: true);
        }
    }

    private static async Task Generate(string script, string output)
    {
        var (exitCode, stdout, stderr) = await ChildProcess.RunAsync(
            Peers.PythonInterpreter, [Path.Combine(Models.Root, script), output], CleanPython);
        Assert.True(exitCode == 0, $"{script} exited with {exitCode}\n{stdout}\n{stderr}");
    }

    /// <summary>Relative paths of the files under <paramref name="directory"/>, sorted.</summary>
    private static string[] Files(string directory) =>
        Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(directory, f))
            .Order(StringComparer.Ordinal)
            .ToArray();

    /// <summary>SHA256SUMS lists every other file of the folder with its hash.</summary>
    private static void AssertSumsMatch(string directory)
    {
        var lines = File.ReadAllLines(Path.Combine(directory, "SHA256SUMS"));
        var listed = lines.Select(l => l.Split("  ", 2)).ToDictionary(p => p[1], p => p[0], StringComparer.Ordinal);
        var models = Files(directory).Where(f => f.EndsWith(".onnx", StringComparison.Ordinal) || f.EndsWith(".bin", StringComparison.Ordinal));
        Assert.Equal(models.Order(StringComparer.Ordinal), listed.Keys.Order(StringComparer.Ordinal));
        foreach (var (file, hash) in listed)
        {
            Assert.Equal(hash, Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(Path.Combine(directory, file)))));
        }
    }
}
