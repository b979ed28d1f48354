using System.Runtime.CompilerServices;
using Inference.Onnx.Interop;
using Inference.Onnx.Interop.Handles;

namespace Inference.Onnx;

/// <summary>
/// A loaded model. <see cref="Run(ReadOnlySpan{int}, ReadOnlySpan{OnnxValue}, ReadOnlySpan{int}, Span{OnnxValue?}, OnnxRunOptions?, CancellationToken)"/>
/// may be called from many threads at once (ONNX Runtime sessions are thread-safe); names are resolved to
/// indices once, so the hot path passes only pointers.
/// </summary>
public sealed unsafe class OnnxSession : IDisposable
{
    // Runs with more inputs or outputs than this take their pointer arrays from the heap.
    private const int StackLimit = 64;

    // kOrtSessionOptionsModelExternalInitializersFileFolderPath (onnxruntime_session_options_config_keys.h).
    private const string ExternalDataDirectoryKey = "session.model_external_initializers_file_folder_path";

    private readonly SessionHandle _handle;
    private readonly NativeNameTable _inputNames;
    private readonly NativeNameTable _outputNames;

    private OnnxSession(SessionHandle handle, OnnxSessionOptions options)
    {
        _handle = handle;
        Options = options;
        Inputs = ReadMetadata(handle.Pointer, input: true);
        Outputs = ReadMetadata(handle.Pointer, input: false);
        _inputNames = new NativeNameTable(Inputs.Select(i => i.Name).ToArray());
        _outputNames = new NativeNameTable(Outputs.Select(o => o.Name).ToArray());
    }

    public OnnxSessionOptions Options { get; }

    /// <summary>The model's inputs, in the model's order; indices into this list identify inputs in Run.</summary>
    public IReadOnlyList<TensorMetadata> Inputs { get; }

    /// <summary>The model's outputs, in the model's order; indices into this list identify outputs in Run.</summary>
    public IReadOnlyList<TensorMetadata> Outputs { get; }

    /// <summary>Loads the model file at <paramref name="modelPath"/>.</summary>
    public static OnnxSession Create(string modelPath, OnnxSessionOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(modelPath);
        options ??= new OnnxSessionOptions();
        using var sessionOptions = CreateSessionOptions(options);
        using var path = new NativeUtf8(modelPath);
        IntPtr session;
        OrtApi.Check(OrtApi.CreateSession(OrtEnvironment.Env.Pointer, path.Pointer, sessionOptions.Pointer, &session));
        return Wrap(session, options);
    }

    /// <summary>Loads a model from its serialized bytes (the bytes are not needed afterwards).</summary>
    public static OnnxSession Create(ReadOnlySpan<byte> model, OnnxSessionOptions? options = null)
    {
        options ??= new OnnxSessionOptions();
        using var sessionOptions = CreateSessionOptions(options);
        IntPtr session;
        byte empty = 0;
        fixed (byte* data = model)
        {
            OrtApi.Check(OrtApi.CreateSessionFromArray(
                OrtEnvironment.Env.Pointer, data == null ? &empty : data, (nuint)model.Length, sessionOptions.Pointer, &session));
        }

        return Wrap(session, options);
    }

    /// <summary>Index of the input named <paramref name="name"/>, or -1.</summary>
    public int GetInputIndex(string name) => _inputNames.IndexOf(name);

    /// <summary>Index of the output named <paramref name="name"/>, or -1.</summary>
    public int GetOutputIndex(string name) => _outputNames.IndexOf(name);

    /// <summary>
    /// Runs the model: <paramref name="inputs"/>[i] feeds input <paramref name="inputIndices"/>[i], and
    /// <paramref name="outputs"/>[j] receives output <paramref name="outputIndices"/>[j] (owned by the caller).
    /// Inputs must stay undisposed (and their memory unchanged) until the call returns.
    /// A cancelable <paramref name="cancellationToken"/> makes the run use its own run options (tag and log
    /// level copied from <paramref name="runOptions"/>) so that cancelling stops only this run.
    /// </summary>
    public void Run(
        ReadOnlySpan<int> inputIndices,
        ReadOnlySpan<OnnxValue> inputs,
        ReadOnlySpan<int> outputIndices,
        Span<OnnxValue?> outputs,
        OnnxRunOptions? runOptions = null,
        CancellationToken cancellationToken = default)
    {
        if (inputIndices.Length != inputs.Length)
        {
            throw new ArgumentException($"{inputIndices.Length} input indices but {inputs.Length} inputs.", nameof(inputs));
        }

        if (outputIndices.Length != outputs.Length)
        {
            throw new ArgumentException($"{outputIndices.Length} output indices but {outputs.Length} output slots.", nameof(outputs));
        }

        var inputCount = inputs.Length;
        var outputCount = outputs.Length;
        IntPtr[]? heap = inputCount * 2 + outputCount * 2 > StackLimit ? new IntPtr[inputCount * 2 + outputCount * 2] : null;
        Span<IntPtr> scratch = heap ?? stackalloc IntPtr[StackLimit];
        fixed (IntPtr* block = scratch)
        {
            var inputNamePointers = block;
            var inputValuePointers = block + inputCount;
            var outputNamePointers = block + (inputCount * 2);
            var outputValuePointers = block + (inputCount * 2) + outputCount;

            for (var i = 0; i < inputCount; i++)
            {
                var index = inputIndices[i];
                if ((uint)index >= (uint)_inputNames.Count)
                {
                    throw new ArgumentOutOfRangeException(nameof(inputIndices), index, $"The model has {_inputNames.Count} inputs.");
                }

                inputNamePointers[i] = _inputNames[index];
            }

            for (var j = 0; j < outputCount; j++)
            {
                var index = outputIndices[j];
                if ((uint)index >= (uint)_outputNames.Count)
                {
                    throw new ArgumentOutOfRangeException(nameof(outputIndices), index, $"The model has {_outputNames.Count} outputs.");
                }

                outputNamePointers[j] = _outputNames[index];
                outputValuePointers[j] = IntPtr.Zero;
            }

            RunCore(inputNamePointers, inputs, inputValuePointers, outputNamePointers, outputValuePointers, outputs, runOptions, cancellationToken);
        }
    }

    /// <summary>
    /// Runs the model by names: every name is handed to ONNX Runtime as is, so an unknown name fails with
    /// ONNX Runtime's own error. With no <paramref name="outputNames"/>, every output is returned.
    /// </summary>
    public OnnxValueCollection Run(
        IReadOnlyCollection<KeyValuePair<string, OnnxValue>> inputs,
        IReadOnlyList<string>? outputNames = null,
        OnnxRunOptions? runOptions = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        var inputValues = inputs.Select(kv => kv.Value).ToArray();
        var names = new List<NativeUtf8>(inputs.Count + (outputNames?.Count ?? 0));
        try
        {
            var inputNamePointers = new IntPtr[Math.Max(inputValues.Length, 1)];
            var index = 0;
            foreach (var (name, _) in inputs)
            {
                var native = new NativeUtf8(name);
                names.Add(native);
                inputNamePointers[index++] = (IntPtr)native.Pointer;
            }

            var requested = outputNames ?? _outputNames.Names;
            var outputNamePointers = new IntPtr[Math.Max(requested.Count, 1)];
            for (var j = 0; j < requested.Count; j++)
            {
                var native = new NativeUtf8(requested[j]);
                names.Add(native);
                outputNamePointers[j] = (IntPtr)native.Pointer;
            }

            var inputValuePointers = new IntPtr[Math.Max(inputValues.Length, 1)];
            var outputValuePointers = new IntPtr[Math.Max(requested.Count, 1)];
            var outputs = new OnnxValue?[requested.Count];
            fixed (IntPtr* inNames = inputNamePointers)
            fixed (IntPtr* inValues = inputValuePointers)
            fixed (IntPtr* outNames = outputNamePointers)
            fixed (IntPtr* outValues = outputValuePointers)
            {
                RunCore(inNames, inputValues, inValues, outNames, outValues, outputs, runOptions, cancellationToken);
            }

            return new OnnxValueCollection(requested.ToArray(), outputs!);
        }
        finally
        {
            foreach (var name in names)
            {
                name.Dispose();
            }
        }
    }

    /// <summary>The model's producer, graph name, version and metadata_props.</summary>
    public OnnxModelMetadata GetModelMetadata()
    {
        var allocator = OrtEnvironment.DefaultAllocator;
        IntPtr metadata;
        OrtApi.Check(OrtApi.SessionGetModelMetadata(_handle.Pointer, &metadata));
        using var metadataHandle = new ModelMetadataHandle(metadata);

        static string ReadString(IntPtr metadata, IntPtr allocator, delegate* unmanaged[Cdecl]<IntPtr, IntPtr, byte**, IntPtr> getter)
        {
            byte* value;
            OrtApi.Check(getter(metadata, allocator, &value));
            using var owned = new AllocatedBufferHandle((IntPtr)value);
            return NativeUtf8.Read(value);
        }

        long version;
        OrtApi.Check(OrtApi.ModelMetadataGetVersion(metadata, &version));

        var custom = new Dictionary<string, string>(StringComparer.Ordinal);
        byte** keys;
        long keyCount;
        OrtApi.Check(OrtApi.ModelMetadataGetCustomMetadataMapKeys(metadata, allocator, &keys, &keyCount));
        if (keys != null)
        {
            using var keyArray = new AllocatedBufferHandle((IntPtr)keys);
            var ownedKeys = new AllocatedBufferHandle[keyCount];
            for (var i = 0; i < keyCount; i++)
            {
                ownedKeys[i] = new AllocatedBufferHandle((IntPtr)keys[i]);
            }

            try
            {
                for (var i = 0; i < keyCount; i++)
                {
                    byte* value;
                    OrtApi.Check(OrtApi.ModelMetadataLookupCustomMetadataMap(metadata, allocator, keys[i], &value));
                    using var ownedValue = new AllocatedBufferHandle((IntPtr)value);
                    custom[NativeUtf8.Read(keys[i])] = value == null ? string.Empty : NativeUtf8.Read(value);
                }
            }
            finally
            {
                foreach (var key in ownedKeys)
                {
                    key.Dispose();
                }
            }
        }

        return new OnnxModelMetadata(
            ReadString(metadata, allocator, OrtApi.ModelMetadataGetProducerName),
            ReadString(metadata, allocator, OrtApi.ModelMetadataGetGraphName),
            ReadString(metadata, allocator, OrtApi.ModelMetadataGetDomain),
            ReadString(metadata, allocator, OrtApi.ModelMetadataGetDescription),
            version,
            custom);
    }

    /// <summary>
    /// Stops the profiler of a session created with <see cref="OnnxSessionOptions.ProfileFilePrefix"/> and writes
    /// its trace; returns the file's path.
    /// </summary>
    public string EndProfiling()
    {
        if (string.IsNullOrEmpty(Options.ProfileFilePrefix))
        {
            throw new InvalidOperationException("The session was created without OnnxSessionOptions.ProfileFilePrefix.");
        }

        byte* path;
        OrtApi.Check(OrtApi.SessionEndProfiling(_handle.Pointer, OrtEnvironment.DefaultAllocator, &path));
        using var owned = new AllocatedBufferHandle((IntPtr)path);
        return NativeUtf8.Read(path);
    }

    /// <summary>Releases the session once no run is using it.</summary>
    public void Dispose() => _handle.Dispose();

    private void RunCore(
        IntPtr* inputNames,
        ReadOnlySpan<OnnxValue> inputs,
        IntPtr* inputValues,
        IntPtr* outputNames,
        IntPtr* outputValues,
        Span<OnnxValue?> outputs,
        OnnxRunOptions? runOptions,
        CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var sessionReferenced = false;
        var referencedInputs = 0;
        RunOptionsHandle? perCall = null;
        var registration = default(CancellationTokenRegistration);
        try
        {
            // References keep the session and the inputs alive even if another thread disposes them mid-run.
            _handle.DangerousAddRef(ref sessionReferenced);
            for (; referencedInputs < inputs.Length; referencedInputs++)
            {
                var input = inputs[referencedInputs] ?? throw new ArgumentNullException(nameof(inputs), $"Input {referencedInputs} is null.");
                var referenced = false;
                input.Handle.DangerousAddRef(ref referenced);
                inputValues[referencedInputs] = input.Handle.DangerousGetHandle();
            }

            var runOptionsPointer = runOptions?.Handle.Pointer ?? IntPtr.Zero;
            if (cancellationToken.CanBeCanceled)
            {
                perCall = runOptions is null ? RunOptionsPool.Rent() : CreatePerCallRunOptions(runOptions);
                runOptionsPointer = perCall.DangerousGetHandle();
                // The handle is released only after the registration is disposed, which waits for a running callback.
                registration = cancellationToken.UnsafeRegister(
                    static state =>
                    {
                        var status = OrtApi.RunOptionsSetTerminate(((RunOptionsHandle)state!).DangerousGetHandle());
                        if (status != IntPtr.Zero)
                        {
                            OrtApi.ReleaseStatus(status);
                        }
                    },
                    perCall);
            }

            var status = OrtApi.Run(
                _handle.DangerousGetHandle(),
                runOptionsPointer,
                inputNames,
                inputValues,
                (nuint)inputs.Length,
                outputNames,
                (nuint)outputs.Length,
                outputValues);

            if (status != IntPtr.Zero)
            {
                ReleaseAll(outputValues, outputs.Length);
                var error = OrtApi.ToException(status);
                if (cancellationToken.IsCancellationRequested)
                {
                    throw new OperationCanceledException("The run was cancelled.", error, cancellationToken);
                }

                throw error;
            }

            WrapOutputs(outputValues, outputs);
        }
        finally
        {
            registration.Dispose();
            if (perCall is not null)
            {
                // Once unregistered, a token not cancelled yet never set the terminate flag: the options are as new.
                if (runOptions is null && !cancellationToken.IsCancellationRequested)
                {
                    RunOptionsPool.Return(perCall);
                }
                else
                {
                    perCall.Dispose();
                }
            }

            for (var i = 0; i < referencedInputs; i++)
            {
                inputs[i].Handle.DangerousRelease();
            }

            if (sessionReferenced)
            {
                _handle.DangerousRelease();
            }
        }
    }

    private static void WrapOutputs(IntPtr* outputValues, Span<OnnxValue?> outputs)
    {
        var wrapped = 0;
        try
        {
            for (; wrapped < outputs.Length; wrapped++)
            {
                outputs[wrapped] = OnnxValue.FromOwned(outputValues[wrapped]);
                outputValues[wrapped] = IntPtr.Zero;
            }
        }
        catch
        {
            for (var i = 0; i < wrapped; i++)
            {
                outputs[i]?.Dispose();
                outputs[i] = null;
            }

            ReleaseAll(outputValues, outputs.Length);
            throw;
        }
    }

    private static void ReleaseAll(IntPtr* values, int count)
    {
        for (var i = 0; i < count; i++)
        {
            if (values[i] != IntPtr.Zero)
            {
                OrtApi.ReleaseValue(values[i]);
                values[i] = IntPtr.Zero;
            }
        }
    }

    private static RunOptionsHandle CreatePerCallRunOptions(OnnxRunOptions? template)
    {
        var handle = OnnxRunOptions.Create();
        try
        {
            if (template is not null)
            {
                OrtApi.Check(OrtApi.RunOptionsSetRunLogSeverityLevel(handle.Pointer, template.LogSeverityLevel));
                if (!string.IsNullOrEmpty(template.Tag))
                {
                    using var tag = new NativeUtf8(template.Tag);
                    OrtApi.Check(OrtApi.RunOptionsSetRunTag(handle.Pointer, tag.Pointer));
                }
            }

            return handle;
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    private static OnnxSession Wrap(IntPtr session, OnnxSessionOptions options)
    {
        var handle = new SessionHandle(session);
        try
        {
            return new OnnxSession(handle, options);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    private static SessionOptionsHandle CreateSessionOptions(OnnxSessionOptions options)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(options.IntraOpThreads);
        ArgumentOutOfRangeException.ThrowIfNegative(options.InterOpThreads);
        OrtApi.EnsureLoaded();
        _ = OrtEnvironment.Env;

        IntPtr pointer;
        OrtApi.Check(OrtApi.CreateSessionOptions(&pointer));
        var handle = new SessionOptionsHandle(pointer);
        try
        {
            OrtApi.Check(OrtApi.SetIntraOpNumThreads(pointer, options.IntraOpThreads));
            OrtApi.Check(OrtApi.SetInterOpNumThreads(pointer, options.InterOpThreads));
            OrtApi.Check(OrtApi.SetSessionGraphOptimizationLevel(pointer, (int)options.OptimizationLevel));
            OrtApi.Check(OrtApi.SetSessionExecutionMode(pointer, (int)options.ExecutionMode));
            OrtApi.Check(OrtApi.SetSessionLogSeverityLevel(pointer, options.LogSeverityLevel));

            var spinning = options.AllowSpinning ? "1" : "0";
            AddConfigEntry(pointer, "session.intra_op.allow_spinning", spinning);
            AddConfigEntry(pointer, "session.inter_op.allow_spinning", spinning);
            if (!string.IsNullOrEmpty(options.ExternalDataDirectory))
            {
                AddConfigEntry(pointer, ExternalDataDirectoryKey, options.ExternalDataDirectory);
            }

            if (!string.IsNullOrEmpty(options.OptimizedModelFilePath))
            {
                using var optimized = new NativeUtf8(options.OptimizedModelFilePath);
                OrtApi.Check(OrtApi.SetOptimizedModelFilePath(pointer, optimized.Pointer));
            }

            if (!string.IsNullOrEmpty(options.ProfileFilePrefix))
            {
                using var prefix = new NativeUtf8(options.ProfileFilePrefix);
                OrtApi.Check(OrtApi.EnableProfiling(pointer, prefix.Pointer));
            }

            foreach (var (key, value) in options.ConfigEntries)
            {
                AddConfigEntry(pointer, key, value);
            }

            if (!ExecutionProviders.IsCpu(options.ExecutionProvider))
            {
                ExecutionProviders.Append(handle, options.ExecutionProvider, options.ExecutionProviderOptions);
            }

            return handle;
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    private static void AddConfigEntry(IntPtr options, string key, string value)
    {
        using var nativeKey = new NativeUtf8(key);
        using var nativeValue = new NativeUtf8(value);
        OrtApi.Check(OrtApi.AddSessionConfigEntry(options, nativeKey.Pointer, nativeValue.Pointer));
    }

    private static TensorMetadata[] ReadMetadata(IntPtr session, bool input)
    {
        nuint count;
        OrtApi.Check(input ? OrtApi.SessionGetInputCount(session, &count) : OrtApi.SessionGetOutputCount(session, &count));
        var result = new TensorMetadata[(int)count];
        for (nuint i = 0; i < count; i++)
        {
            byte* namePointer;
            OrtApi.Check(input
                ? OrtApi.SessionGetInputName(session, i, OrtEnvironment.DefaultAllocator, &namePointer)
                : OrtApi.SessionGetOutputName(session, i, OrtEnvironment.DefaultAllocator, &namePointer));
            string name;
            using (new AllocatedBufferHandle((IntPtr)namePointer))
            {
                name = NativeUtf8.Read(namePointer);
            }

            IntPtr typeInfo;
            OrtApi.Check(input
                ? OrtApi.SessionGetInputTypeInfo(session, i, &typeInfo)
                : OrtApi.SessionGetOutputTypeInfo(session, i, &typeInfo));
            using var typeInfoHandle = new TypeInfoHandle(typeInfo);
            result[(int)i] = ReadTypeInfo(name, typeInfo);
        }

        return result;
    }

    private static TensorMetadata ReadTypeInfo(string name, IntPtr typeInfo)
    {
        int kind;
        OrtApi.Check(OrtApi.GetOnnxTypeFromTypeInfo(typeInfo, &kind));

        // Owned by typeInfo; null when the value is not a tensor.
        IntPtr tensorInfo;
        OrtApi.Check(OrtApi.CastTypeInfoToTensorInfo(typeInfo, &tensorInfo));
        if (tensorInfo == IntPtr.Zero)
        {
            return new TensorMetadata(name, (OnnxValueKind)kind, TensorElementType.Undefined, [], []);
        }

        int elementType;
        OrtApi.Check(OrtApi.GetTensorElementType(tensorInfo, &elementType));
        nuint rank;
        OrtApi.Check(OrtApi.GetDimensionsCount(tensorInfo, &rank));
        var shape = new long[(int)rank];
        var symbols = new string[(int)rank];
        if (rank > 0)
        {
            var symbolPointers = new IntPtr[(int)rank];
            fixed (long* dims = shape)
            fixed (IntPtr* symbolic = symbolPointers)
            {
                OrtApi.Check(OrtApi.GetDimensions(tensorInfo, dims, rank));
                OrtApi.Check(OrtApi.GetSymbolicDimensions(tensorInfo, (byte**)symbolic, rank));
            }

            for (var d = 0; d < symbols.Length; d++)
            {
                symbols[d] = symbolPointers[d] == IntPtr.Zero ? string.Empty : NativeUtf8.Read((byte*)symbolPointers[d]);
            }
        }

        return new TensorMetadata(name, (OnnxValueKind)kind, (TensorElementType)elementType, shape, symbols);
    }
}
