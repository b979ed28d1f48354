using Grpc.Core;
using Grpc.Net.Client;
using Inference.Batch.Jobs;
using Inference.Batch.Models;
using Inference.Contracts;
using Inference.Contracts.Oip;

namespace Inference.Batch.Scoring;

/// <summary>
/// Scores through a model server or the router (OIP v2 over gRPC, Grpc.Net.Client). Every request pins the model
/// version, so the router sends it to that version and bypasses the experiment; every answer must come from it.
/// Deadlines per call; only UNAVAILABLE is retried (with backoff).
/// </summary>
internal sealed class RemoteScorer : IModelScorer
{
    private readonly GrpcChannel _channel;
    private readonly GRPCInferenceService.GRPCInferenceServiceClient _client;
    private readonly RetryPolicy _retry;
    private readonly TimeSpan _timeout;
    private readonly TimeProvider _time;

    private RemoteScorer(GrpcChannel channel, RetryPolicy retry, TimeSpan timeout, TimeProvider time)
    {
        _channel = channel;
        _client = new GRPCInferenceService.GRPCInferenceServiceClient(channel);
        _retry = retry;
        _timeout = timeout;
        _time = time;
    }

    public ModelDescription Model { get; private set; } = null!;

    /// <summary>Where the scorer connects, as a URI (<c>host:port</c> means plain-text HTTP/2).</summary>
    public static Uri AddressOf(string address) =>
        Uri.TryCreate(address.Contains("://", StringComparison.Ordinal) ? address : "http://" + address, UriKind.Absolute, out var uri)
            && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
            ? uri
            : throw new FormatException($"--address takes host:port (or http[s]://host:port), not '{address}'");

    /// <summary>Connects and reads the model's metadata; with no <paramref name="version"/>, pins the version that answers.</summary>
    public static async Task<RemoteScorer> ConnectAsync(
        Uri address, string name, string? version, TimeSpan timeout, RetryPolicy retry, TimeProvider time, Action<string> note, CancellationToken cancellationToken)
    {
        var channel = GrpcChannel.ForAddress(address, new GrpcChannelOptions
        {
            MaxReceiveMessageSize = 256 << 20,
            MaxSendMessageSize = null,
            HttpHandler = new SocketsHttpHandler { UseProxy = false, EnableMultipleHttp2Connections = true },
        });
        var scorer = new RemoteScorer(channel, retry, timeout, time);
        try
        {
            var (metadata, headers) = await scorer.CallAsync(
                "ModelMetadata",
                async options =>
                {
                    using var call = scorer._client.ModelMetadataAsync(new ModelMetadataRequest { Name = name, Version = version ?? "" }, options);
                    return (await call.ResponseAsync, await call.ResponseHeadersAsync);
                },
                cancellationToken);
            var answered = metadata.Versions.Count == 1 ? metadata.Versions[0] : headers.GetValue(InferenceHeaders.ModelVersion);
            if (version is null)
            {
                version = answered ?? throw new JobException($"{address} did not say which version of '{name}' it serves; pass --version");
                note($"no --version given: every call is pinned to version {version} of '{name}', the version that answered ModelMetadata");
            }

            var sha256 = headers.GetValue(InferenceHeaders.ModelSha256) ?? "";
            if (sha256.Length == 0)
            {
                note($"{address} did not send the model file's SHA-256 ({InferenceHeaders.ModelSha256}); model_sha256 stays empty");
            }

            scorer.Model = OipResponses.Describe(metadata, name, version, sha256);
            return scorer;
        }
        catch
        {
            await scorer.DisposeAsync();
            throw;
        }
    }

    public async ValueTask<ScoredTensors> ScoreAsync(ModelInferRequest request, int rows, CancellationToken cancellationToken)
    {
        var (response, headers) = await CallAsync(
            "ModelInfer",
            async options =>
            {
                using var call = _client.ModelInferAsync(request, options);
                return (await call.ResponseAsync, await call.ResponseHeadersAsync);
            },
            cancellationToken);

        var version = response.ModelVersion is { Length: > 0 } v ? v : headers.GetValue(InferenceHeaders.ModelVersion) ?? "";
        if (version != Model.Version)
        {
            throw new JobException($"version {version} answered a call pinned to version {Model.Version} of '{Model.Name}'; the output would mix versions");
        }

        return OipResponses.Outputs(Model, response, rows, version);
    }

    public ValueTask DisposeAsync()
    {
        _channel.Dispose();
        return ValueTask.CompletedTask;
    }

    private async Task<T> CallAsync<T>(string method, Func<CallOptions, Task<T>> call, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await call(new CallOptions(deadline: _time.GetUtcNow().UtcDateTime + _timeout, cancellationToken: cancellationToken));
            }
            catch (RpcException ex) when (ex.StatusCode == StatusCode.Unavailable && attempt < _retry.Attempts)
            {
                await _retry.WaitAsync(attempt, cancellationToken);
            }
            catch (RpcException ex) when (ex.StatusCode == StatusCode.InvalidArgument && method == "ModelInfer")
            {
                throw new RunRefusedException(ex.Status.Detail);
            }
            catch (RpcException ex) when (ex.StatusCode == StatusCode.Cancelled && cancellationToken.IsCancellationRequested)
            {
                throw new OperationCanceledException(cancellationToken);
            }
            catch (RpcException ex)
            {
                var tries = ex.StatusCode == StatusCode.Unavailable ? $" after {attempt} tries" : "";
                throw new JobException($"{method} failed{tries}: {ex.StatusCode} {ex.Status.Detail}");
            }
        }
    }
}
