using System.Net.Sockets;
using Grpc.Core;
using Grpc.Health.V1;

namespace Inference.Router.Upstream;

/// <summary>grpc.health.v1.Health Check and Watch of one endpoint for the server as a whole (service "").</summary>
internal static class GrpcHealthProbe
{
    private static readonly HealthCheckRequest Server = new();

    public static async Task<HealthCheckOutcome> CheckAsync(Health.HealthClient client, TimeSpan timeout, TimeProvider time, CancellationToken cancellationToken)
    {
        try
        {
            var response = await client.CheckAsync(Server, deadline: time.GetUtcNow().UtcDateTime + timeout, cancellationToken: cancellationToken);
            return response.Status == HealthCheckResponse.Types.ServingStatus.Serving ? HealthCheckOutcome.Serving : HealthCheckOutcome.NotServing;
        }
        catch (RpcException ex) when (!cancellationToken.IsCancellationRequested)
        {
            return Classify(ex);
        }
    }

    /// <summary>
    /// Opens a Watch stream and reports every status it carries (true = SERVING) until the stream ends; returns why it
    /// ended. Cancellation ends it quietly with <see cref="HealthWatchEnd.Cancelled"/>.
    /// </summary>
    public static async Task<HealthWatchEnd> WatchAsync(Health.HealthClient client, Action<bool> onStatus, CancellationToken cancellationToken)
    {
        try
        {
            using var call = client.Watch(Server, cancellationToken: cancellationToken);
            while (await call.ResponseStream.MoveNext(cancellationToken))
            {
                onStatus(call.ResponseStream.Current.Status == HealthCheckResponse.Types.ServingStatus.Serving);
            }

            return HealthWatchEnd.Failed("the Watch stream ended");
        }
        catch (RpcException) when (cancellationToken.IsCancellationRequested)
        {
            return HealthWatchEnd.Cancelled;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return HealthWatchEnd.Cancelled;
        }
        catch (RpcException ex) when (ex.StatusCode == StatusCode.Unimplemented)
        {
            return HealthWatchEnd.NotSupported;
        }
        catch (RpcException ex)
        {
            return HealthWatchEnd.Failed(ex.Status.DebugException is { } cause
                ? $"{ex.Status.Detail} ({UpstreamFailures.Describe(cause)})"
                : $"the Watch stream ended with {ex.StatusCode}: {ex.Status.Detail}");
        }
    }

    /// <summary>
    /// A status the server sent is an answer (not serving); a transport failure is no answer, and a refused
    /// connection means nobody listens there.
    /// </summary>
    private static HealthCheckOutcome Classify(RpcException exception)
    {
        if (exception.Status.DebugException is not { } cause)
        {
            return exception.StatusCode == StatusCode.DeadlineExceeded ? HealthCheckOutcome.Failed : HealthCheckOutcome.NotServing;
        }

        for (var e = cause; e is not null; e = e.InnerException)
        {
            if (e is SocketException { SocketErrorCode: SocketError.ConnectionRefused })
            {
                return HealthCheckOutcome.Refused;
            }
        }

        return cause is HttpRequestException or IOException or OperationCanceledException
            ? HealthCheckOutcome.Failed
            : HealthCheckOutcome.NotServing;
    }
}
