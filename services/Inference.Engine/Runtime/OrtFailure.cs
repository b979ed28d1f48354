using Microsoft.ML.OnnxRuntime;

namespace Inference.Engine.Runtime;

/// <summary>
/// ONNX Runtime's error code and message, read from an <see cref="OnnxRuntimeException"/>: the managed API keeps the
/// code private and writes it at the start of the message as <c>[ErrorCode:&lt;code&gt;] &lt;message&gt;</c>.
/// </summary>
internal readonly record struct OrtFailure(string Code, string Message)
{
    public const string InvalidArgument = "InvalidArgument";

    private const string Prefix = "[ErrorCode:";

    public static OrtFailure Of(OnnxRuntimeException exception)
    {
        var text = exception.Message;
        if (text.StartsWith(Prefix, StringComparison.Ordinal) && text.IndexOf(']', Prefix.Length) is var end and > 0)
        {
            return new OrtFailure(text[Prefix.Length..end], text[(end + 1)..].TrimStart());
        }

        return new OrtFailure("Unknown", text);
    }
}
