using System.Text.Json;

namespace Inference.ModelServer.Tests;

/// <summary>The reference outputs stored beside each iris model (expected.json).</summary>
internal sealed record IrisExpected(float[] Inputs, long Rows, float[] Probabilities, long[] Labels)
{
    public static IrisExpected Load(int version)
    {
        using var document = JsonDocument.Parse(File.ReadAllText(RepoPaths.IrisExpected(version)));
        var root = document.RootElement;
        var inputs = root.GetProperty("inputs").EnumerateArray().SelectMany(r => r.EnumerateArray().Select(v => v.GetSingle())).ToArray();
        var probabilities = root.GetProperty("probabilities").EnumerateArray().SelectMany(r => r.EnumerateArray().Select(v => v.GetSingle())).ToArray();
        var labels = root.GetProperty("labels").EnumerateArray().Select(v => v.GetInt64()).ToArray();
        return new IrisExpected(inputs, labels.Length, probabilities, labels);
    }
}
