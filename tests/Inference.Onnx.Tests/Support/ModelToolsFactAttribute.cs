namespace Inference.Onnx.Tests.Support;

/// <summary>
/// A test that runs the Python model generators. Skipped, saying what is missing, only when INFERENCE_REQUIRE_PEERS
/// is not "1"; with it set (CI), the test runs and fails on the missing tools.
/// </summary>
internal sealed class ModelToolsFactAttribute : FactAttribute
{
    public ModelToolsFactAttribute()
    {
        if (Peers.MissingModelTools is { } missing && !Peers.Required)
        {
            Skip = $"{missing} (set INFERENCE_REQUIRE_PEERS=1 to fail instead)";
        }
    }
}
