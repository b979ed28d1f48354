using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Inference.Onnx.Interop;

/// <summary>
/// The functions of ONNX Runtime's C API that this binding uses, read by position from the
/// <c>OrtApi</c> table that <c>OrtGetApiBase()->GetApi(version)</c> returns. The table is
/// append-only across releases, so a function's index never changes once released; each index
/// below is the position of the member in <c>struct OrtApi</c> of onnxruntime_c_api.h.
/// Every <c>OrtStatus*</c>-returning function is typed as returning <see cref="IntPtr"/>.
/// </summary>
internal static unsafe class OrtApi
{
    /// <summary>
    /// The API version requested: 15 (ONNX Runtime 1.15) is the first whose table holds every function
    /// used here (GetResizedStringTensorElementBuffer, GetBuildInfoString), so any 1.15+ library works.
    /// </summary>
    public const uint RequestedApiVersion = 15;

    // OrtApiBase: { GetApi, GetVersionString }.
    private static readonly string? s_versionString;
    private static readonly string? s_librarySource;
    private static readonly Exception? s_loadError;

    // OrtStatus
    public static readonly delegate* unmanaged[Cdecl]<IntPtr, int> GetErrorCode;                          // 1
    public static readonly delegate* unmanaged[Cdecl]<IntPtr, byte*> GetErrorMessage;                     // 2

    // OrtEnv
    public static readonly delegate* unmanaged[Cdecl]<int, byte*, IntPtr*, IntPtr> CreateEnv;              // 3

    // CreateEnvWithCustomLogger(logging_function, logger_param, log_severity_level, logid, out); the logging
    // function is (param, severity, category, logid, code_location, message).
    public static readonly delegate* unmanaged[Cdecl]<delegate* unmanaged[Cdecl]<IntPtr, int, byte*, byte*, byte*, byte*, void>, IntPtr, int, byte*, IntPtr*, IntPtr> CreateEnvWithCustomLogger; // 4

    // OrtSession
    public static readonly delegate* unmanaged[Cdecl]<IntPtr, byte*, IntPtr, IntPtr*, IntPtr> CreateSession; // 7
    public static readonly delegate* unmanaged[Cdecl]<IntPtr, void*, nuint, IntPtr, IntPtr*, IntPtr> CreateSessionFromArray; // 8
    public static readonly delegate* unmanaged[Cdecl]<IntPtr, IntPtr, IntPtr*, IntPtr*, nuint, IntPtr*, nuint, IntPtr*, IntPtr> Run; // 9

    // OrtSessionOptions
    public static readonly delegate* unmanaged[Cdecl]<IntPtr*, IntPtr> CreateSessionOptions;               // 10
    public static readonly delegate* unmanaged[Cdecl]<IntPtr, byte*, IntPtr> SetOptimizedModelFilePath;    // 11
    public static readonly delegate* unmanaged[Cdecl]<IntPtr, int, IntPtr> SetSessionExecutionMode;        // 13
    public static readonly delegate* unmanaged[Cdecl]<IntPtr, byte*, IntPtr> EnableProfiling;              // 14
    public static readonly delegate* unmanaged[Cdecl]<IntPtr, int, IntPtr> SetSessionLogSeverityLevel;     // 22
    public static readonly delegate* unmanaged[Cdecl]<IntPtr, int, IntPtr> SetSessionGraphOptimizationLevel; // 23
    public static readonly delegate* unmanaged[Cdecl]<IntPtr, int, IntPtr> SetIntraOpNumThreads;           // 24
    public static readonly delegate* unmanaged[Cdecl]<IntPtr, int, IntPtr> SetInterOpNumThreads;           // 25

    // Session metadata
    public static readonly delegate* unmanaged[Cdecl]<IntPtr, nuint*, IntPtr> SessionGetInputCount;        // 30
    public static readonly delegate* unmanaged[Cdecl]<IntPtr, nuint*, IntPtr> SessionGetOutputCount;       // 31
    public static readonly delegate* unmanaged[Cdecl]<IntPtr, nuint, IntPtr*, IntPtr> SessionGetInputTypeInfo;  // 33
    public static readonly delegate* unmanaged[Cdecl]<IntPtr, nuint, IntPtr*, IntPtr> SessionGetOutputTypeInfo; // 34
    public static readonly delegate* unmanaged[Cdecl]<IntPtr, nuint, IntPtr, byte**, IntPtr> SessionGetInputName;  // 36
    public static readonly delegate* unmanaged[Cdecl]<IntPtr, nuint, IntPtr, byte**, IntPtr> SessionGetOutputName; // 37

    // OrtRunOptions
    public static readonly delegate* unmanaged[Cdecl]<IntPtr*, IntPtr> CreateRunOptions;                   // 39
    public static readonly delegate* unmanaged[Cdecl]<IntPtr, int, IntPtr> RunOptionsSetRunLogSeverityLevel; // 41
    public static readonly delegate* unmanaged[Cdecl]<IntPtr, byte*, IntPtr> RunOptionsSetRunTag;          // 42
    public static readonly delegate* unmanaged[Cdecl]<IntPtr, IntPtr> RunOptionsSetTerminate;              // 46
    public static readonly delegate* unmanaged[Cdecl]<IntPtr, IntPtr> RunOptionsUnsetTerminate;            // 47

    // OrtValue
    public static readonly delegate* unmanaged[Cdecl]<IntPtr, long*, nuint, int, IntPtr*, IntPtr> CreateTensorAsOrtValue; // 48
    public static readonly delegate* unmanaged[Cdecl]<IntPtr, void*, nuint, long*, nuint, int, IntPtr*, IntPtr> CreateTensorWithDataAsOrtValue; // 49
    public static readonly delegate* unmanaged[Cdecl]<IntPtr, int*, IntPtr> IsTensor;                      // 50
    public static readonly delegate* unmanaged[Cdecl]<IntPtr, void**, IntPtr> GetTensorMutableData;        // 51
    public static readonly delegate* unmanaged[Cdecl]<IntPtr, nuint*, IntPtr> GetStringTensorDataLength;   // 53
    public static readonly delegate* unmanaged[Cdecl]<IntPtr, void*, nuint, nuint*, nuint, IntPtr> GetStringTensorContent; // 54

    // OrtTypeInfo / OrtTensorTypeAndShapeInfo
    public static readonly delegate* unmanaged[Cdecl]<IntPtr, IntPtr*, IntPtr> CastTypeInfoToTensorInfo;   // 55
    public static readonly delegate* unmanaged[Cdecl]<IntPtr, int*, IntPtr> GetOnnxTypeFromTypeInfo;       // 56
    public static readonly delegate* unmanaged[Cdecl]<IntPtr, int*, IntPtr> GetTensorElementType;          // 60
    public static readonly delegate* unmanaged[Cdecl]<IntPtr, nuint*, IntPtr> GetDimensionsCount;          // 61
    public static readonly delegate* unmanaged[Cdecl]<IntPtr, long*, nuint, IntPtr> GetDimensions;         // 62
    public static readonly delegate* unmanaged[Cdecl]<IntPtr, byte**, nuint, IntPtr> GetSymbolicDimensions; // 63
    public static readonly delegate* unmanaged[Cdecl]<IntPtr, IntPtr*, IntPtr> GetTensorTypeAndShape;      // 65
    public static readonly delegate* unmanaged[Cdecl]<IntPtr, int*, IntPtr> GetValueType;                  // 67

    // OrtMemoryInfo / OrtAllocator
    public static readonly delegate* unmanaged[Cdecl]<int, int, IntPtr*, IntPtr> CreateCpuMemoryInfo;      // 69
    public static readonly delegate* unmanaged[Cdecl]<IntPtr, void*, IntPtr> AllocatorFree;                // 76
    public static readonly delegate* unmanaged[Cdecl]<IntPtr*, IntPtr> GetAllocatorWithDefaultOptions;     // 78

    // Release functions
    public static readonly delegate* unmanaged[Cdecl]<IntPtr, void> ReleaseEnv;                            // 92
    public static readonly delegate* unmanaged[Cdecl]<IntPtr, void> ReleaseStatus;                         // 93
    public static readonly delegate* unmanaged[Cdecl]<IntPtr, void> ReleaseMemoryInfo;                     // 94
    public static readonly delegate* unmanaged[Cdecl]<IntPtr, void> ReleaseSession;                        // 95
    public static readonly delegate* unmanaged[Cdecl]<IntPtr, void> ReleaseValue;                          // 96
    public static readonly delegate* unmanaged[Cdecl]<IntPtr, void> ReleaseRunOptions;                     // 97
    public static readonly delegate* unmanaged[Cdecl]<IntPtr, void> ReleaseTypeInfo;                       // 98
    public static readonly delegate* unmanaged[Cdecl]<IntPtr, void> ReleaseTensorTypeAndShapeInfo;         // 99
    public static readonly delegate* unmanaged[Cdecl]<IntPtr, void> ReleaseSessionOptions;                 // 100

    // Profiling
    public static readonly delegate* unmanaged[Cdecl]<IntPtr, IntPtr, byte**, IntPtr> SessionEndProfiling; // 110

    // OrtModelMetadata
    public static readonly delegate* unmanaged[Cdecl]<IntPtr, IntPtr*, IntPtr> SessionGetModelMetadata;    // 111
    public static readonly delegate* unmanaged[Cdecl]<IntPtr, IntPtr, byte**, IntPtr> ModelMetadataGetProducerName; // 112
    public static readonly delegate* unmanaged[Cdecl]<IntPtr, IntPtr, byte**, IntPtr> ModelMetadataGetGraphName;    // 113
    public static readonly delegate* unmanaged[Cdecl]<IntPtr, IntPtr, byte**, IntPtr> ModelMetadataGetDomain;       // 114
    public static readonly delegate* unmanaged[Cdecl]<IntPtr, IntPtr, byte**, IntPtr> ModelMetadataGetDescription;  // 115
    public static readonly delegate* unmanaged[Cdecl]<IntPtr, IntPtr, byte*, byte**, IntPtr> ModelMetadataLookupCustomMetadataMap; // 116
    public static readonly delegate* unmanaged[Cdecl]<IntPtr, long*, IntPtr> ModelMetadataGetVersion;      // 117
    public static readonly delegate* unmanaged[Cdecl]<IntPtr, void> ReleaseModelMetadata;                  // 118
    public static readonly delegate* unmanaged[Cdecl]<IntPtr, IntPtr, byte***, long*, IntPtr> ModelMetadataGetCustomMetadataMapKeys; // 123

    // Providers
    public static readonly delegate* unmanaged[Cdecl]<byte***, int*, IntPtr> GetAvailableProviders;        // 125
    public static readonly delegate* unmanaged[Cdecl]<byte**, int, IntPtr> ReleaseAvailableProviders;      // 126

    // String tensor elements
    public static readonly delegate* unmanaged[Cdecl]<IntPtr, nuint, nuint*, IntPtr> GetStringTensorElementLength; // 127
    public static readonly delegate* unmanaged[Cdecl]<IntPtr, nuint, nuint, void*, IntPtr> GetStringTensorElement; // 128

    // Configuration entries
    public static readonly delegate* unmanaged[Cdecl]<IntPtr, byte*, byte*, IntPtr> AddSessionConfigEntry; // 130
    public static readonly delegate* unmanaged[Cdecl]<IntPtr, byte*, byte*, IntPtr> AddRunConfigEntry;     // 165

    // Execution providers
    public static readonly delegate* unmanaged[Cdecl]<IntPtr, IntPtr, IntPtr> SessionOptionsAppendExecutionProvider_TensorRT_V2; // 170
    public static readonly delegate* unmanaged[Cdecl]<IntPtr*, IntPtr> CreateTensorRTProviderOptions;      // 171
    public static readonly delegate* unmanaged[Cdecl]<IntPtr, byte**, byte**, nuint, IntPtr> UpdateTensorRTProviderOptions; // 172
    public static readonly delegate* unmanaged[Cdecl]<IntPtr, void> ReleaseTensorRTProviderOptions;        // 174
    public static readonly delegate* unmanaged[Cdecl]<IntPtr, IntPtr, IntPtr> SessionOptionsAppendExecutionProvider_CUDA_V2; // 204
    public static readonly delegate* unmanaged[Cdecl]<IntPtr*, IntPtr> CreateCUDAProviderOptions;          // 205
    public static readonly delegate* unmanaged[Cdecl]<IntPtr, byte**, byte**, nuint, IntPtr> UpdateCUDAProviderOptions; // 206
    public static readonly delegate* unmanaged[Cdecl]<IntPtr, void> ReleaseCUDAProviderOptions;            // 208
    public static readonly delegate* unmanaged[Cdecl]<IntPtr, byte*, byte**, byte**, nuint, IntPtr> SessionOptionsAppendExecutionProvider; // 216

    // Since API 15
    public static readonly delegate* unmanaged[Cdecl]<IntPtr, nuint, nuint, byte**, IntPtr> GetResizedStringTensorElementBuffer; // 252
    public static readonly delegate* unmanaged[Cdecl]<byte*> GetBuildInfoString;                          // 254

    static OrtApi()
    {
        try
        {
            var library = OrtLibrary.Load(out var source);
            s_librarySource = source;

            var getApiBase = (delegate* unmanaged[Cdecl]<IntPtr*>)NativeLibrary.GetExport(library, "OrtGetApiBase");
            var apiBase = getApiBase();
            var getApi = (delegate* unmanaged[Cdecl]<uint, IntPtr*>)apiBase[0];
            var getVersionString = (delegate* unmanaged[Cdecl]<byte*>)apiBase[1];
            s_versionString = Marshal.PtrToStringUTF8((IntPtr)getVersionString()) ?? string.Empty;

            var t = getApi(RequestedApiVersion);
            if (t == null)
            {
                throw new NotSupportedException(
                    $"ONNX Runtime {s_versionString} at '{source}' does not provide C API version {RequestedApiVersion} " +
                    "(ONNX Runtime 1.15 or newer is required).");
            }

            GetErrorCode = (delegate* unmanaged[Cdecl]<IntPtr, int>)t[1];
            GetErrorMessage = (delegate* unmanaged[Cdecl]<IntPtr, byte*>)t[2];
            CreateEnv = (delegate* unmanaged[Cdecl]<int, byte*, IntPtr*, IntPtr>)t[3];
            CreateEnvWithCustomLogger = (delegate* unmanaged[Cdecl]<delegate* unmanaged[Cdecl]<IntPtr, int, byte*, byte*, byte*, byte*, void>, IntPtr, int, byte*, IntPtr*, IntPtr>)t[4];
            CreateSession = (delegate* unmanaged[Cdecl]<IntPtr, byte*, IntPtr, IntPtr*, IntPtr>)t[7];
            CreateSessionFromArray = (delegate* unmanaged[Cdecl]<IntPtr, void*, nuint, IntPtr, IntPtr*, IntPtr>)t[8];
            Run = (delegate* unmanaged[Cdecl]<IntPtr, IntPtr, IntPtr*, IntPtr*, nuint, IntPtr*, nuint, IntPtr*, IntPtr>)t[9];
            CreateSessionOptions = (delegate* unmanaged[Cdecl]<IntPtr*, IntPtr>)t[10];
            SetOptimizedModelFilePath = (delegate* unmanaged[Cdecl]<IntPtr, byte*, IntPtr>)t[11];
            SetSessionExecutionMode = (delegate* unmanaged[Cdecl]<IntPtr, int, IntPtr>)t[13];
            EnableProfiling = (delegate* unmanaged[Cdecl]<IntPtr, byte*, IntPtr>)t[14];
            SetSessionLogSeverityLevel = (delegate* unmanaged[Cdecl]<IntPtr, int, IntPtr>)t[22];
            SetSessionGraphOptimizationLevel = (delegate* unmanaged[Cdecl]<IntPtr, int, IntPtr>)t[23];
            SetIntraOpNumThreads = (delegate* unmanaged[Cdecl]<IntPtr, int, IntPtr>)t[24];
            SetInterOpNumThreads = (delegate* unmanaged[Cdecl]<IntPtr, int, IntPtr>)t[25];
            SessionGetInputCount = (delegate* unmanaged[Cdecl]<IntPtr, nuint*, IntPtr>)t[30];
            SessionGetOutputCount = (delegate* unmanaged[Cdecl]<IntPtr, nuint*, IntPtr>)t[31];
            SessionGetInputTypeInfo = (delegate* unmanaged[Cdecl]<IntPtr, nuint, IntPtr*, IntPtr>)t[33];
            SessionGetOutputTypeInfo = (delegate* unmanaged[Cdecl]<IntPtr, nuint, IntPtr*, IntPtr>)t[34];
            SessionGetInputName = (delegate* unmanaged[Cdecl]<IntPtr, nuint, IntPtr, byte**, IntPtr>)t[36];
            SessionGetOutputName = (delegate* unmanaged[Cdecl]<IntPtr, nuint, IntPtr, byte**, IntPtr>)t[37];
            CreateRunOptions = (delegate* unmanaged[Cdecl]<IntPtr*, IntPtr>)t[39];
            RunOptionsSetRunLogSeverityLevel = (delegate* unmanaged[Cdecl]<IntPtr, int, IntPtr>)t[41];
            RunOptionsSetRunTag = (delegate* unmanaged[Cdecl]<IntPtr, byte*, IntPtr>)t[42];
            RunOptionsSetTerminate = (delegate* unmanaged[Cdecl]<IntPtr, IntPtr>)t[46];
            RunOptionsUnsetTerminate = (delegate* unmanaged[Cdecl]<IntPtr, IntPtr>)t[47];
            CreateTensorAsOrtValue = (delegate* unmanaged[Cdecl]<IntPtr, long*, nuint, int, IntPtr*, IntPtr>)t[48];
            CreateTensorWithDataAsOrtValue = (delegate* unmanaged[Cdecl]<IntPtr, void*, nuint, long*, nuint, int, IntPtr*, IntPtr>)t[49];
            IsTensor = (delegate* unmanaged[Cdecl]<IntPtr, int*, IntPtr>)t[50];
            GetTensorMutableData = (delegate* unmanaged[Cdecl]<IntPtr, void**, IntPtr>)t[51];
            GetStringTensorDataLength = (delegate* unmanaged[Cdecl]<IntPtr, nuint*, IntPtr>)t[53];
            GetStringTensorContent = (delegate* unmanaged[Cdecl]<IntPtr, void*, nuint, nuint*, nuint, IntPtr>)t[54];
            CastTypeInfoToTensorInfo = (delegate* unmanaged[Cdecl]<IntPtr, IntPtr*, IntPtr>)t[55];
            GetOnnxTypeFromTypeInfo = (delegate* unmanaged[Cdecl]<IntPtr, int*, IntPtr>)t[56];
            GetTensorElementType = (delegate* unmanaged[Cdecl]<IntPtr, int*, IntPtr>)t[60];
            GetDimensionsCount = (delegate* unmanaged[Cdecl]<IntPtr, nuint*, IntPtr>)t[61];
            GetDimensions = (delegate* unmanaged[Cdecl]<IntPtr, long*, nuint, IntPtr>)t[62];
            GetSymbolicDimensions = (delegate* unmanaged[Cdecl]<IntPtr, byte**, nuint, IntPtr>)t[63];
            GetTensorTypeAndShape = (delegate* unmanaged[Cdecl]<IntPtr, IntPtr*, IntPtr>)t[65];
            GetValueType = (delegate* unmanaged[Cdecl]<IntPtr, int*, IntPtr>)t[67];
            CreateCpuMemoryInfo = (delegate* unmanaged[Cdecl]<int, int, IntPtr*, IntPtr>)t[69];
            AllocatorFree = (delegate* unmanaged[Cdecl]<IntPtr, void*, IntPtr>)t[76];
            GetAllocatorWithDefaultOptions = (delegate* unmanaged[Cdecl]<IntPtr*, IntPtr>)t[78];
            ReleaseEnv = (delegate* unmanaged[Cdecl]<IntPtr, void>)t[92];
            ReleaseStatus = (delegate* unmanaged[Cdecl]<IntPtr, void>)t[93];
            ReleaseMemoryInfo = (delegate* unmanaged[Cdecl]<IntPtr, void>)t[94];
            ReleaseSession = (delegate* unmanaged[Cdecl]<IntPtr, void>)t[95];
            ReleaseValue = (delegate* unmanaged[Cdecl]<IntPtr, void>)t[96];
            ReleaseRunOptions = (delegate* unmanaged[Cdecl]<IntPtr, void>)t[97];
            ReleaseTypeInfo = (delegate* unmanaged[Cdecl]<IntPtr, void>)t[98];
            ReleaseTensorTypeAndShapeInfo = (delegate* unmanaged[Cdecl]<IntPtr, void>)t[99];
            ReleaseSessionOptions = (delegate* unmanaged[Cdecl]<IntPtr, void>)t[100];
            SessionEndProfiling = (delegate* unmanaged[Cdecl]<IntPtr, IntPtr, byte**, IntPtr>)t[110];
            SessionGetModelMetadata = (delegate* unmanaged[Cdecl]<IntPtr, IntPtr*, IntPtr>)t[111];
            ModelMetadataGetProducerName = (delegate* unmanaged[Cdecl]<IntPtr, IntPtr, byte**, IntPtr>)t[112];
            ModelMetadataGetGraphName = (delegate* unmanaged[Cdecl]<IntPtr, IntPtr, byte**, IntPtr>)t[113];
            ModelMetadataGetDomain = (delegate* unmanaged[Cdecl]<IntPtr, IntPtr, byte**, IntPtr>)t[114];
            ModelMetadataGetDescription = (delegate* unmanaged[Cdecl]<IntPtr, IntPtr, byte**, IntPtr>)t[115];
            ModelMetadataLookupCustomMetadataMap = (delegate* unmanaged[Cdecl]<IntPtr, IntPtr, byte*, byte**, IntPtr>)t[116];
            ModelMetadataGetVersion = (delegate* unmanaged[Cdecl]<IntPtr, long*, IntPtr>)t[117];
            ReleaseModelMetadata = (delegate* unmanaged[Cdecl]<IntPtr, void>)t[118];
            ModelMetadataGetCustomMetadataMapKeys = (delegate* unmanaged[Cdecl]<IntPtr, IntPtr, byte***, long*, IntPtr>)t[123];
            GetAvailableProviders = (delegate* unmanaged[Cdecl]<byte***, int*, IntPtr>)t[125];
            ReleaseAvailableProviders = (delegate* unmanaged[Cdecl]<byte**, int, IntPtr>)t[126];
            GetStringTensorElementLength = (delegate* unmanaged[Cdecl]<IntPtr, nuint, nuint*, IntPtr>)t[127];
            GetStringTensorElement = (delegate* unmanaged[Cdecl]<IntPtr, nuint, nuint, void*, IntPtr>)t[128];
            AddSessionConfigEntry = (delegate* unmanaged[Cdecl]<IntPtr, byte*, byte*, IntPtr>)t[130];
            AddRunConfigEntry = (delegate* unmanaged[Cdecl]<IntPtr, byte*, byte*, IntPtr>)t[165];
            SessionOptionsAppendExecutionProvider_TensorRT_V2 = (delegate* unmanaged[Cdecl]<IntPtr, IntPtr, IntPtr>)t[170];
            CreateTensorRTProviderOptions = (delegate* unmanaged[Cdecl]<IntPtr*, IntPtr>)t[171];
            UpdateTensorRTProviderOptions = (delegate* unmanaged[Cdecl]<IntPtr, byte**, byte**, nuint, IntPtr>)t[172];
            ReleaseTensorRTProviderOptions = (delegate* unmanaged[Cdecl]<IntPtr, void>)t[174];
            SessionOptionsAppendExecutionProvider_CUDA_V2 = (delegate* unmanaged[Cdecl]<IntPtr, IntPtr, IntPtr>)t[204];
            CreateCUDAProviderOptions = (delegate* unmanaged[Cdecl]<IntPtr*, IntPtr>)t[205];
            UpdateCUDAProviderOptions = (delegate* unmanaged[Cdecl]<IntPtr, byte**, byte**, nuint, IntPtr>)t[206];
            ReleaseCUDAProviderOptions = (delegate* unmanaged[Cdecl]<IntPtr, void>)t[208];
            SessionOptionsAppendExecutionProvider = (delegate* unmanaged[Cdecl]<IntPtr, byte*, byte**, byte**, nuint, IntPtr>)t[216];
            GetResizedStringTensorElementBuffer = (delegate* unmanaged[Cdecl]<IntPtr, nuint, nuint, byte**, IntPtr>)t[252];
            GetBuildInfoString = (delegate* unmanaged[Cdecl]<byte*>)t[254];
        }
        catch (Exception ex)
        {
            // Kept and rethrown by EnsureLoaded, so callers see the cause rather than a TypeInitializationException.
            s_loadError = ex;
        }
    }

    /// <summary>The version string of the loaded library (OrtApiBase::GetVersionString).</summary>
    public static string VersionString
    {
        get
        {
            EnsureLoaded();
            return s_versionString!;
        }
    }

    /// <summary>Where the library was loaded from.</summary>
    public static string LibrarySource
    {
        get
        {
            EnsureLoaded();
            return s_librarySource!;
        }
    }

    public static void EnsureLoaded()
    {
        if (s_loadError is not null)
        {
            ThrowLoadError();
        }
    }

    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowLoadError() =>
        // One type for every way the library can be unusable (missing, not ONNX Runtime, too old), so a host can
        // report it as such.
        throw new DllNotFoundException($"ONNX Runtime could not be loaded: {s_loadError!.Message}", s_loadError);

    /// <summary>Throws <see cref="OnnxRuntimeException"/> for a non-null <c>OrtStatus*</c>, releasing it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Check(IntPtr status)
    {
        if (status != IntPtr.Zero)
        {
            ThrowStatus(status);
        }
    }

    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void ThrowStatus(IntPtr status) => throw ToException(status);

    /// <summary>Converts and releases a non-null status.</summary>
    public static OnnxRuntimeException ToException(IntPtr status)
    {
        var code = (OrtErrorCode)GetErrorCode(status);
        var message = Marshal.PtrToStringUTF8((IntPtr)GetErrorMessage(status)) ?? string.Empty;
        ReleaseStatus(status);
        return new OnnxRuntimeException(code, message);
    }
}
