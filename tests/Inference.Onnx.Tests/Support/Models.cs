namespace Inference.Onnx.Tests.Support;

/// <summary>Paths of the models copied next to the test assembly.</summary>
internal static class Models
{
    public static string Root => Path.Combine(AppContext.BaseDirectory, "models");

    public static string Iris(int version) => Path.Combine(Root, "iris", version.ToString(System.Globalization.CultureInfo.InvariantCulture), "model.onnx");

    public static string IrisExpected(int version) => Path.Combine(Root, "iris", version.ToString(System.Globalization.CultureInfo.InvariantCulture), "expected.json");

    public static string Fixture(string name) => Path.Combine(Root, "fixtures", name + ".onnx");
}
