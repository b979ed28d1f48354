namespace Inference.EndToEnd.Tests.Infrastructure;

/// <summary>Model servers of the iris model by version (tests/models/iris/&lt;version&gt;), and their own count of answers.</summary>
internal static class IrisServer
{
    /// <summary>Starts iris <paramref name="version"/> and waits until it is warm.</summary>
    public static Task<ModelServerProcess> StartAsync(string version, params string[] extraArguments) =>
        ModelServerProcess.StartAsync(RepoPaths.IrisModel(version), "iris", version, extraArguments);

    /// <summary>Starts one server per version given, in parallel; on any failure stops those that started.</summary>
    public static Task<ModelServerProcess[]> StartManyAsync(params string[] versions) =>
        ModelServerProcess.AwaitAllAsync(versions.Select(v => StartAsync(v)).ToArray());

    /// <summary>ModelInfer calls <paramref name="server"/> answered with OK, by its own count.</summary>
    public static async Task<double> InferOkCountAsync(this ModelServerProcess server) =>
        (await server.ScrapeAsync()).Sum("inference_requests_total", ("method", "ModelInfer"), ("grpc_code", "OK"));
}
