using System.Collections.Concurrent;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Inference.Grpc.Tests;

/// <summary>
/// Middleware around the gRPC endpoints, as a host's metrics middleware would be: for requests carrying
/// <c>x-call-id</c> it records when the call started and the grpc-status it ended with when the endpoint returned.
/// </summary>
internal sealed class CallObserver
{
    public const string CallIdHeader = "x-call-id";

    private readonly ConcurrentDictionary<string, TaskCompletionSource> _started = new();
    private readonly ConcurrentDictionary<string, TaskCompletionSource<string?>> _ended = new();

    public Task Started(string callId) => _started.GetOrAdd(callId, NewSource()).Task;

    /// <summary>The grpc-status (headers of a trailers-only response, else trailers) when the endpoint returned; null if none.</summary>
    public Task<string?> Ended(string callId) => _ended.GetOrAdd(callId, _ => new(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

    public async Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        var id = context.Request.Headers[CallIdHeader].ToString();
        if (id.Length == 0)
        {
            await next(context);
            return;
        }

        _started.GetOrAdd(id, NewSource()).TrySetResult();
        try
        {
            await next(context);
        }
        finally
        {
            var status = context.Response.Headers.GrpcStatus;
            if (status.Count == 0 && context.Features.Get<IHttpResponseTrailersFeature>()?.Trailers is { } trailers)
            {
                status = trailers.GrpcStatus;
            }

            _ended.GetOrAdd(id, _ => new(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult(status.Count > 0 ? status[0] : null);
        }
    }

    private static Func<string, TaskCompletionSource> NewSource() => static _ => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
