using System.Text.Json;
using System.Text.Json.Serialization;

namespace Inference.Onnx.Tests.Support;

/// <summary>expected.json written by make_iris.py: inputs and the outputs numpy computed for them.</summary>
internal sealed record IrisExpectation(
    [property: JsonPropertyName("input")] string Input,
    [property: JsonPropertyName("shape")] long[] Shape,
    [property: JsonPropertyName("inputs")] float[][] Inputs,
    [property: JsonPropertyName("probabilities")] float[][] Probabilities,
    [property: JsonPropertyName("labels")] long[] Labels)
{
    public static IrisExpectation Load(int version) =>
        JsonSerializer.Deserialize<IrisExpectation>(File.ReadAllText(Models.IrisExpected(version)))
        ?? throw new InvalidDataException("empty expected.json");

    public float[] FlatInputs => Inputs.SelectMany(row => row).ToArray();
}
