using Inference.Onnx.TestData;

namespace Inference.Onnx.Tests.Support;

/// <summary>
/// A theory over the ONNX backend test suite (libonnx-testdata). Skipped when the suite is not installed,
/// unless INFERENCE_REQUIRE_PEERS=1, in which case the test runs and fails on the missing data.
/// </summary>
internal sealed class OnnxTestDataTheoryAttribute : TheoryAttribute
{
    public OnnxTestDataTheoryAttribute()
    {
        if (!BackendTestData.IsAvailable && !Peers.Required)
        {
            Skip = $"libonnx-testdata is not installed ({BackendTestData.NodeDirectory} missing)";
        }
    }
}
