using System.Globalization;
using System.Text;

namespace Inference.Batch.Tests.Support;

/// <summary>Deterministic iris-like rows (four measurements and a string column), written as CSV.</summary>
internal static class IrisRows
{
    public const string Header = "sepal_length,sepal_width,petal_length,petal_width,species";

    public static string[] Species { get; } = ["setosa", "versicolor", "virginica"];

    /// <summary>Row <paramref name="i"/>'s four measurements (one decimal, as the data set has them).</summary>
    public static float[] Measurements(int i)
    {
        var random = new Random(i);
        return [R(random, 4.3, 7.9), R(random, 2.0, 4.4), R(random, 1.0, 6.9), R(random, 0.1, 2.5)];
    }

    public static string Line(int i)
    {
        var m = Measurements(i);
        return string.Join(',', m.Select(v => v.ToString(CultureInfo.InvariantCulture))) + "," + Species[i % 3];
    }

    /// <summary>Writes a CSV file of <paramref name="rows"/> rows to <paramref name="path"/>.</summary>
    public static string WriteCsv(string path, int rows)
    {
        using var writer = new StreamWriter(path, false, new UTF8Encoding(false), 1 << 16);
        writer.Write(Header + "\n");
        for (var i = 0; i < rows; i++)
        {
            writer.Write(Line(i));
            writer.Write('\n');
        }

        return path;
    }

    private static float R(Random random, double min, double max) => (float)Math.Round(min + random.NextDouble() * (max - min), 1);
}
