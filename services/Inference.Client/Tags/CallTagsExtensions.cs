using Grpc.Core;

namespace Inference.Client;

/// <summary>The tags of a call made with the generated client's <c>…Async</c> methods, whether it succeeded or failed.</summary>
public static class CallTagsExtensions
{
    /// <summary>
    /// The response's tags: from its headers, or, for an error the server answered without headers (trailers-only),
    /// from its trailers; <see cref="ResponseTags.None"/> for a call that ended before the server answered. Await the
    /// call (or let it fail) first.
    /// </summary>
    public static async Task<ResponseTags> GetTagsAsync<T>(this AsyncUnaryCall<T> call)
    {
        ArgumentNullException.ThrowIfNull(call);
        try
        {
            var tags = ResponseTags.From(await call.ResponseHeadersAsync.ConfigureAwait(false));
            if (!tags.IsEmpty)
            {
                return tags;
            }
        }
        catch (RpcException)
        {
            // No headers came: the status (and its metadata) is all there is.
        }

        try
        {
            return ResponseTags.From(call.GetTrailers());
        }
        catch (InvalidOperationException)
        {
            // The call ended on this side (cancelled, deadline passed) without a status from the server.
            return ResponseTags.None;
        }
    }
}
