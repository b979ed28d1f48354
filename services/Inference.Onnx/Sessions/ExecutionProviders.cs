using Inference.Onnx.Interop;
using Inference.Onnx.Interop.Handles;

namespace Inference.Onnx;

/// <summary>Adds a non-CPU execution provider to session options.</summary>
internal static unsafe class ExecutionProviders
{
    private const string Suffix = "ExecutionProvider";

    public static bool IsCpu(string name) =>
        string.Equals(name, OnnxSessionOptions.CpuProvider, StringComparison.OrdinalIgnoreCase) ||
        string.Equals(name, OnnxSessionOptions.CpuProvider + Suffix, StringComparison.OrdinalIgnoreCase);

    public static void Append(SessionOptionsHandle options, string name, IReadOnlyDictionary<string, string> providerOptions)
    {
        var shortName = name.EndsWith(Suffix, StringComparison.OrdinalIgnoreCase) ? name[..^Suffix.Length] : name;
        var available = OnnxRuntime.GetAvailableProviders();
        // Registered names are "<Name>ExecutionProvider" with varying case (Tensorrt, Dml, Xnnpack).
        if (!available.Any(p => string.Equals(p, shortName + Suffix, StringComparison.OrdinalIgnoreCase)))
        {
            throw new NotSupportedException(
                $"Execution provider '{name}' is not available in ONNX Runtime {OnnxRuntime.Version} " +
                $"(available: {string.Join(", ", available)}).");
        }

        var keys = providerOptions.Keys.Select(k => new NativeUtf8(k)).ToArray();
        var values = providerOptions.Values.Select(v => new NativeUtf8(v)).ToArray();
        try
        {
            var keyPointers = stackalloc byte*[Math.Max(keys.Length, 1)];
            var valuePointers = stackalloc byte*[Math.Max(values.Length, 1)];
            for (var i = 0; i < keys.Length; i++)
            {
                keyPointers[i] = keys[i].Pointer;
                valuePointers[i] = values[i].Pointer;
            }

            var count = (nuint)keys.Length;
            try
            {
                AppendCore(options, shortName, keyPointers, valuePointers, count);
            }
            catch (OnnxRuntimeException ex)
            {
                // Listed providers may still be unusable (their shared library or driver is missing).
                throw new NotSupportedException($"Execution provider '{name}' could not be enabled: {ex.OrtMessage}", ex);
            }
        }
        finally
        {
            foreach (var key in keys)
            {
                key.Dispose();
            }

            foreach (var value in values)
            {
                value.Dispose();
            }
        }
    }

    private static void AppendCore(SessionOptionsHandle options, string shortName, byte** keyPointers, byte** valuePointers, nuint count)
    {
        if (string.Equals(shortName, "CUDA", StringComparison.OrdinalIgnoreCase))
        {
            IntPtr cuda;
            OrtApi.Check(OrtApi.CreateCUDAProviderOptions(&cuda));
            using var cudaHandle = new CudaProviderOptionsHandle(cuda);
            OrtApi.Check(OrtApi.UpdateCUDAProviderOptions(cuda, keyPointers, valuePointers, count));
            OrtApi.Check(OrtApi.SessionOptionsAppendExecutionProvider_CUDA_V2(options.Pointer, cuda));
        }
        else if (string.Equals(shortName, "TensorRT", StringComparison.OrdinalIgnoreCase))
        {
            IntPtr tensorRt;
            OrtApi.Check(OrtApi.CreateTensorRTProviderOptions(&tensorRt));
            using var tensorRtHandle = new TensorRtProviderOptionsHandle(tensorRt);
            OrtApi.Check(OrtApi.UpdateTensorRTProviderOptions(tensorRt, keyPointers, valuePointers, count));
            OrtApi.Check(OrtApi.SessionOptionsAppendExecutionProvider_TensorRT_V2(options.Pointer, tensorRt));
        }
        else
        {
            using var nativeName = new NativeUtf8(shortName);
            OrtApi.Check(OrtApi.SessionOptionsAppendExecutionProvider(
                options.Pointer, nativeName.Pointer, keyPointers, valuePointers, count));
        }
    }
}
