using System.Globalization;
using System.Text;
using Inference.Contracts.Oip;
using Inference.Router.Configuration;

namespace Inference.Router.Shadow;

/// <summary>
/// Compares a shadow's ModelInferResponse with the primary's, output by output (matched by name): datatypes and shapes
/// equal; floating-point elements within |a − b| ≤ absolute + relative × |a| (a: the primary's); integers, booleans and
/// strings exactly equal. A classifier output — scores of shape [rows, classes], or one integer or string label per row —
/// also reports how many rows agree on the class.
/// </summary>
internal static class InferResponseComparer
{
    public static IReadOnlyList<OutputComparison> Compare(ModelInferResponse primary, ModelInferResponse shadow, double absoluteTolerance, double relativeTolerance)
    {
        var results = new List<OutputComparison>();
        for (var i = 0; i < primary.Outputs.Count; i++)
        {
            var output = primary.Outputs[i];
            var index = IndexOf(shadow, output.Name);
            results.Add(index < 0
                ? new OutputComparison(output.Name, false, null, 0, 0, "missing from the shadow's answer")
                : CompareOutput(output, Values(primary, i), shadow.Outputs[index], Values(shadow, index), absoluteTolerance, relativeTolerance));
        }

        foreach (var output in shadow.Outputs)
        {
            if (IndexOf(primary, output.Name) < 0)
            {
                results.Add(new OutputComparison(output.Name, false, null, 0, 0, "only in the shadow's answer"));
            }
        }

        return results;
    }

    /// <summary>Compares with a configuration's tolerances.</summary>
    public static IReadOnlyList<OutputComparison> Compare(ModelInferResponse primary, ModelInferResponse shadow, ShadowConfig config) =>
        Compare(primary, shadow, config.AbsoluteTolerance, config.RelativeTolerance);

    private static int IndexOf(ModelInferResponse response, string name)
    {
        for (var i = 0; i < response.Outputs.Count; i++)
        {
            if (response.Outputs[i].Name == name)
            {
                return i;
            }
        }

        return -1;
    }

    private static TensorValues? Values(ModelInferResponse response, int index)
    {
        var output = response.Outputs[index];
        return response.RawOutputContents.Count > 0
            ? index < response.RawOutputContents.Count ? TensorValues.FromRaw(output.Datatype, response.RawOutputContents[index]) : null
            : TensorValues.FromTyped(output.Datatype, output.Contents);
    }

    private static OutputComparison CompareOutput(
        ModelInferResponse.Types.InferOutputTensor primary,
        TensorValues? primaryValues,
        ModelInferResponse.Types.InferOutputTensor shadow,
        TensorValues? shadowValues,
        double absoluteTolerance,
        double relativeTolerance)
    {
        var name = primary.Name;
        if (primary.Datatype != shadow.Datatype)
        {
            return new OutputComparison(name, false, null, 0, 0, $"datatype {primary.Datatype} vs {shadow.Datatype}");
        }

        if (!primary.Shape.SequenceEqual(shadow.Shape))
        {
            return new OutputComparison(name, false, null, 0, 0, $"shape [{string.Join(",", primary.Shape)}] vs [{string.Join(",", shadow.Shape)}]");
        }

        if (primaryValues is null || shadowValues is null || primaryValues.Count != shadowValues.Count)
        {
            return new OutputComparison(name, false, null, 0, 0, $"contents that do not fit {primary.Datatype} [{string.Join(",", primary.Shape)}]");
        }

        var shape = primary.Shape;
        if (primaryValues.Floats is { } a && shadowValues.Floats is { } b)
        {
            var (max, first) = CompareFloats(a, b, absoluteTolerance, relativeTolerance);
            var (rows, rowsAgreed) = shape.Count == 2 && shape[1] >= 2 && shape[0] * shape[1] == a.Length
                ? ArgmaxRows(a, b, (int)shape[1])
                : (0, 0);
            return new OutputComparison(name, first < 0, max, rows, rowsAgreed,
                first < 0 ? null : Describe(first, a.Length, Count(a, b, absoluteTolerance, relativeTolerance), Number(a[first]), Number(b[first])));
        }

        var isLabel = shape.Count == 1 || (shape.Count == 2 && shape[1] == 1);
        if (primaryValues.Integers is { } x && shadowValues.Integers is { } y)
        {
            var differing = 0;
            var firstDifferent = -1;
            double max = 0;
            for (var i = 0; i < x.Length; i++)
            {
                if (x[i] != y[i])
                {
                    differing++;
                    firstDifferent = firstDifferent < 0 ? i : firstDifferent;
                    max = Math.Max(max, Math.Abs((double)x[i] - y[i]));
                }
            }

            return new OutputComparison(name, differing == 0, max, isLabel ? x.Length : 0, isLabel ? x.Length - differing : 0,
                differing == 0 ? null : Describe(firstDifferent, x.Length, differing, x[firstDifferent].ToString(CultureInfo.InvariantCulture), y[firstDifferent].ToString(CultureInfo.InvariantCulture)));
        }

        var s = primaryValues.Strings!;
        var t = shadowValues.Strings!;
        var different = 0;
        var firstString = -1;
        for (var i = 0; i < s.Length; i++)
        {
            if (!s[i].AsSpan().SequenceEqual(t[i]))
            {
                different++;
                firstString = firstString < 0 ? i : firstString;
            }
        }

        return new OutputComparison(name, different == 0, null, isLabel ? s.Length : 0, isLabel ? s.Length - different : 0,
            different == 0 ? null : Describe(firstString, s.Length, different, Text(s[firstString]), Text(t[firstString])));
    }

    // The largest absolute difference, and the first element outside the tolerance (-1: none). NaN equals NaN.
    private static (double Max, int First) CompareFloats(double[] a, double[] b, double absoluteTolerance, double relativeTolerance)
    {
        double max = 0;
        var first = -1;
        for (var i = 0; i < a.Length; i++)
        {
            if (!Within(a[i], b[i], absoluteTolerance, relativeTolerance))
            {
                first = first < 0 ? i : first;
            }

            if (!(double.IsNaN(a[i]) && double.IsNaN(b[i])))
            {
                var difference = Math.Abs(a[i] - b[i]);
                max = double.IsNaN(difference) ? double.PositiveInfinity : Math.Max(max, difference);
            }
        }

        return (max, first);
    }

    private static int Count(double[] a, double[] b, double absoluteTolerance, double relativeTolerance)
    {
        var count = 0;
        for (var i = 0; i < a.Length; i++)
        {
            count += Within(a[i], b[i], absoluteTolerance, relativeTolerance) ? 0 : 1;
        }

        return count;
    }

    private static bool Within(double a, double b, double absoluteTolerance, double relativeTolerance) =>
        (double.IsNaN(a) && double.IsNaN(b))
        || a.Equals(b)
        || Math.Abs(a - b) <= absoluteTolerance + relativeTolerance * Math.Abs(a);

    private static (int Rows, int Agreed) ArgmaxRows(double[] a, double[] b, int classes)
    {
        var rows = a.Length / classes;
        var agreed = 0;
        for (var row = 0; row < rows; row++)
        {
            agreed += Argmax(a.AsSpan(row * classes, classes)) == Argmax(b.AsSpan(row * classes, classes)) ? 1 : 0;
        }

        return (rows, agreed);
    }

    private static int Argmax(ReadOnlySpan<double> scores)
    {
        var best = 0;
        for (var i = 1; i < scores.Length; i++)
        {
            if (scores[i] > scores[best])
            {
                best = i;
            }
        }

        return best;
    }

    private static string Describe(int index, int count, int differing, string primary, string shadow) =>
        $"{differing} of {count} elements differ; first at element {index}: {primary} vs {shadow}";

    private static string Number(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    private static string Text(byte[] value)
    {
        var text = Encoding.UTF8.GetString(value.AsSpan(0, Math.Min(value.Length, 64)));
        return $"\"{text}{(value.Length > 64 ? "…" : "")}\"";
    }
}
