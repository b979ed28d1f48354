using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;
using Grpc.Core;
using Inference.Engine.Responses;
using Microsoft.AspNetCore.Http.Features;

namespace Inference.ModelServer.Memory;

/// <summary>
/// The request body of one gRPC call as Grpc.AspNetCore reads it, with the call's share of the <see cref="MemoryBudget"/>:
/// as soon as the 5-byte prefix of the request message has arrived, its declared length is taken from the budget, or
/// the call fails with RESOURCE_EXHAUSTED before the message is read (Grpc.AspNetCore buffers a whole message
/// before it decodes it). A length beyond the maximum message size is left to Grpc.AspNetCore's own check. The share
/// is given back by <see cref="ReleaseBudget"/> once the call has ended.
/// </summary>
internal sealed class BudgetedRequestBody(PipeReader inner, MemoryBudget budget, int maxMessageSize) : PipeReader, IRequestBodyPipeFeature
{
    private const int PrefixLength = 5;

    private bool _checked;

    /// <summary>Bytes of the budget this call holds.</summary>
    public long Reserved { get; private set; }

    /// <summary>Whether the message's prefix says it is compressed (its length is then the compressed one).</summary>
    public bool Compressed { get; private set; }

    /// <summary>The call's result, disposed when the call ends if the library never wrote it (the client left first).</summary>
    public InferResult? Result { get; set; }

    PipeReader IRequestBodyPipeFeature.Reader => this;

    /// <summary>
    /// Takes <paramref name="bytes"/> more (a compressed message once its decompressed size is known); false, taking
    /// nothing, when they do not fit.
    /// </summary>
    public bool TryGrow(long bytes)
    {
        if (bytes <= 0 || !budget.TryReserve(bytes))
        {
            return bytes <= 0;
        }

        Reserved += bytes;
        return true;
    }

    /// <summary>Ends the call's use of the budget (and of its result).</summary>
    public void ReleaseBudget()
    {
        Result?.Dispose();
        Result = null;
        if (Reserved > 0)
        {
            budget.Release(Reserved);
            Reserved = 0;
        }
    }

    public override ValueTask<ReadResult> ReadAsync(CancellationToken cancellationToken = default)
    {
        var pending = inner.ReadAsync(cancellationToken);
        if (_checked)
        {
            return pending;
        }

        if (pending.IsCompletedSuccessfully)
        {
            // A ValueTask's result is read once: the caller gets a new one over it.
            var result = pending.Result;
            Check(result);
            return new ValueTask<ReadResult>(result);
        }

        return CheckAsync(pending);
    }

    public override bool TryRead(out ReadResult result)
    {
        if (!inner.TryRead(out result))
        {
            return false;
        }

        if (!_checked)
        {
            Check(result);
        }

        return true;
    }

    public override void AdvanceTo(SequencePosition consumed) => inner.AdvanceTo(consumed);

    public override void AdvanceTo(SequencePosition consumed, SequencePosition examined) => inner.AdvanceTo(consumed, examined);

    public override void CancelPendingRead() => inner.CancelPendingRead();

    public override void Complete(Exception? exception = null) => inner.Complete(exception);

    public override ValueTask CompleteAsync(Exception? exception = null) => inner.CompleteAsync(exception);

    private async ValueTask<ReadResult> CheckAsync(ValueTask<ReadResult> pending)
    {
        var result = await pending.ConfigureAwait(false);
        Check(result);
        return result;
    }

    private void Check(in ReadResult result)
    {
        var buffer = result.Buffer;
        if (buffer.Length < PrefixLength)
        {
            return;
        }

        _checked = true;
        Span<byte> prefix = stackalloc byte[PrefixLength];
        buffer.Slice(0, PrefixLength).CopyTo(prefix);
        Compressed = prefix[0] != 0;
        var length = BinaryPrimitives.ReadUInt32BigEndian(prefix[1..]);
        if (length > (uint)maxMessageSize || TryGrow(length))
        {
            return;
        }

        // Nothing of the body is consumed: the library's own reader gets the status, not a half-read message.
        inner.AdvanceTo(buffer.Start);
        throw new RpcException(new Status(StatusCode.ResourceExhausted, length > budget.Limit
            ? $"the request message of {length} bytes is larger than the server's memory budget of {budget.Limit} bytes for requests in flight (--max-in-flight-bytes)"
            : $"the server's memory budget for requests in flight is taken ({budget.InFlight} of {budget.Limit} bytes); the request message of {length} bytes does not fit; retry later"));
    }
}
