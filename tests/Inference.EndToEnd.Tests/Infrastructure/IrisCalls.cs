using Inference.Client;
using Inference.Contracts.Oip;

namespace Inference.EndToEnd.Tests.Infrastructure;

/// <summary>ModelInfer requests over rows of the iris reference inputs, and which version's reference outputs an answer equals.</summary>
internal static class IrisCalls
{
    public static readonly string[] Versions = ["1", "2"];

    /// <summary>The reference input rows <paramref name="firstRow"/>… (the same rows for both versions).</summary>
    public static ModelInferRequest Request(int firstRow, int rows, string? version = null, string id = "")
    {
        var inputs = IrisExpected.For("1").Inputs;
        var values = new float[rows * 4];
        for (var row = 0; row < rows; row++)
        {
            inputs[firstRow + row].CopyTo(values, row * 4);
        }

        return new ModelInferRequest { ModelName = "iris", ModelVersion = version ?? "", Id = id }
            .AddInput<float>("input", values, [rows, 4]);
    }

    /// <summary>A request for one row chosen by <paramref name="sequence"/>, so a run covers every row.</summary>
    public static (ModelInferRequest Request, int FirstRow) RowRequest(long sequence, string id)
    {
        var row = (int)(sequence % IrisExpected.For("1").Rows);
        return (Request(row, 1, id: id), row);
    }

    /// <summary>
    /// The version whose expected.json outputs this response carries, or null when it matches none.
    /// (The two versions' reference outputs differ on every row, so at most one matches.)
    /// </summary>
    public static string? VersionOfOutputs(ModelInferResponse response, int firstRow)
    {
        float[] probabilities;
        long[] labels;
        try
        {
            probabilities = response.GetOutput<float>("probabilities").Data;
            labels = response.GetOutput<long>("label").Data;
        }
        catch (Exception ex) when (ex is InvalidOperationException or ArgumentException or KeyNotFoundException)
        {
            return null;
        }

        string? found = null;
        foreach (var version in Versions)
        {
            if (IrisExpected.For(version).Matches(firstRow, probabilities, labels))
            {
                found = found is null ? version : throw new InvalidOperationException($"row {firstRow} matches the outputs of more than one version");
            }
        }

        return found;
    }
}
