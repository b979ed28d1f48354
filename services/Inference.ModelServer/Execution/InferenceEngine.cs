using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using Inference.Contracts.Oip;
using Inference.Grpc;
using Inference.ModelServer.Batching;
using Inference.ModelServer.Configuration;
using Inference.ModelServer.Diagnostics;
using Inference.ModelServer.Model;
using Inference.ModelServer.Tensors;
using Inference.Onnx;
using Microsoft.Extensions.Logging;

namespace Inference.ModelServer.Execution;

/// <summary>
/// Runs inferences: admits at most <see cref="ModelServerOptions.MaxInFlight"/> at once (others wait up to
/// <see cref="ModelServerOptions.QueueTimeout"/>, then RESOURCE_EXHAUSTED), then runs each request alone or
/// hands it to the <see cref="DynamicBatcher"/>.
/// </summary>
internal sealed class InferenceEngine : IAsyncDisposable
{
    private readonly ServedModel _model;
    private readonly ModelServerMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly int[] _inputIndices;
    private readonly DynamicBatcher? _batcher;

    // Requests holding an admission slot (inference_in_flight reads it at each scrape).
    private long _admittedRequests;

    // Output index lists of merged Runs, by the set of outputs the batch asked for (a bit mask).
    private readonly ConcurrentDictionary<ulong, int[]> _outputSets = new();

    public InferenceEngine(ServedModel model, ModelServerOptions options, ModelServerMetrics metrics, TimeProvider time, ILogger<InferenceEngine> logger)
    {
        _model = model;
        _metrics = metrics;
        _time = time;
        _logger = logger;
        _inputIndices = Enumerable.Range(0, model.Inputs.Length).ToArray();
        var limit = options.MaxInFlight;
        if (options.Batching && model.CanBatch)
        {
            // Fewer admitted requests than rows in a batch would keep every batch from filling.
            if (limit < options.MaxBatchSize)
            {
                ModelServerLog.MaxInFlightRaised(logger, limit, options.MaxBatchSize);
                limit = options.MaxBatchSize;
            }

            Admission = new Admission(limit, options.QueueTimeout, time);
            _batcher = new DynamicBatcher(
                this, limit, model.Inputs.Length, model.Outputs.Length, options.MaxBatchSize, options.MaxBatchDelay, time);
        }
        else
        {
            if (options.Batching)
            {
                ModelServerLog.BatchingUnavailable(logger, model.Name);
            }

            Admission = new Admission(limit, options.QueueTimeout, time);
        }

        metrics.SetInFlightSource(() => Volatile.Read(ref _admittedRequests));
    }

    /// <summary>Inferences admitted and not yet answered.</summary>
    public long InFlight => Admission.InFlight;

    public bool IsBatching => _batcher is not null;

    internal Admission Admission { get; }

    internal DynamicBatcher? Batcher => _batcher;

    // Pooled: a call that waits (for a slot or a batch) would otherwise allocate its state machine.
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<InferResponse> InferAsync(ModelInferRequest request, CancellationToken cancellationToken)
    {
        var decoded = RequestDecoder.Decode(_model, request);
        decoded.ArrivedAt = _time.GetTimestamp();
        if (!Admission.TryEnter() && !await Admission.EnterAsync(cancellationToken).ConfigureAwait(false))
        {
            throw new GrpcException(StatusCode.ResourceExhausted,
                $"model '{_model.Name}' is at its limit of {Admission.Limit} concurrent inferences; retry later");
        }

        Interlocked.Increment(ref _admittedRequests);
        try
        {
            // Requests whose inputs disagree on dimension 0 cannot share a batch: they run alone at once.
            if (_batcher is not null && decoded.Rows < _batcher.MaxBatchSize && decoded.IsBatchCompatible(decoded))
            {
                return await _batcher.SubmitAsync(decoded, cancellationToken).ConfigureAwait(false);
            }

            RecordQueueTime(decoded);
            return Execute(decoded, cancellationToken);
        }
        finally
        {
            Admission.Exit();
            Interlocked.Decrement(ref _admittedRequests);
        }
    }

    /// <summary>Stops waiting for batches to fill (called when draining starts).</summary>
    public void Flush() => _batcher?.Flush();

    /// <summary>
    /// A synthetic Run with every dynamic dimension set to 1 and every element 1 ("1" for strings), so the first real
    /// request does not pay for ONNX Runtime's lazy initialisation. Ones rather than zeros: a one is a valid divisor,
    /// index, count, shape dimension and number to parse, where a zero often is not.
    /// </summary>
    public void WarmUp()
    {
        var inputs = new OnnxValue[_model.Inputs.Length];
        var outputs = new OnnxValue?[_model.Outputs.Length];
        try
        {
            for (var i = 0; i < inputs.Length; i++)
            {
                var spec = _model.Inputs[i];
                var value = inputs[i] = OnnxValue.CreateTensor(spec.ElementType, spec.Shape.Select(d => d < 0 ? 1 : d).ToArray());
                if (spec.IsString)
                {
                    for (long e = 0; e < value.ElementCount; e++)
                    {
                        value.SetString(e, "1"u8);
                    }

                    continue;
                }

                var one = OneOf(spec.ElementType);
                var data = value.GetMutableTensorBytes();
                for (var offset = 0; offset < data.Length; offset += one.Length)
                {
                    one.CopyTo(data[offset..]);
                }
            }

            _model.Session.Run(_inputIndices, inputs, _model.AllOutputIndices, outputs);
        }
        finally
        {
            DisposeAll(inputs);
            DisposeAll(outputs);
        }
    }

    /// <summary>The little-endian bytes of the number 1 as <paramref name="type"/>.</summary>
    private static byte[] OneOf(TensorElementType type) => type switch
    {
        TensorElementType.Float => BitConverter.GetBytes(1f),
        TensorElementType.Double => BitConverter.GetBytes(1d),
        TensorElementType.Float16 => BitConverter.GetBytes((Half)1),
        TensorElementType.BFloat16 => [0x80, 0x3F],
        TensorElementType.Bool or TensorElementType.UInt8 or TensorElementType.Int8 => [1],
        TensorElementType.UInt16 or TensorElementType.Int16 => [1, 0],
        TensorElementType.UInt32 or TensorElementType.Int32 => [1, 0, 0, 0],
        TensorElementType.UInt64 or TensorElementType.Int64 => [1, 0, 0, 0, 0, 0, 0, 0],
        _ => throw new NotSupportedException($"No synthetic value for {type}."),
    };

    /// <summary>Runs one request on its own; raw numeric inputs go to ONNX Runtime without a copy.</summary>
    public InferResponse Execute(DecodedRequest request, CancellationToken cancellationToken)
    {
        var inputs = new OnnxValue[_inputIndices.Length];
        var outputs = new OnnxValue?[request.OutputIndices.Length];
        try
        {
            for (var i = 0; i < inputs.Length; i++)
            {
                inputs[i] = request.Inputs[i].ToValue();
            }

            try
            {
                Run(inputs, request.OutputIndices, outputs, requests: 1, cancellationToken);
            }
            catch (OnnxRuntimeException ex)
            {
                throw RunFailure(ex);
            }

            return BuildResponse(request, outputs, slots: null, 0, -1);
        }
        finally
        {
            DisposeAll(inputs);
            DisposeAll(outputs);
        }
    }

    /// <summary>
    /// Runs a batch: requests whose call is already over are dropped, one request runs alone, several run as one
    /// (inputs concatenated along dimension 0, outputs split back by rows). If the merged Run fails, or an output
    /// does not have one row per input row, each request runs alone, so every caller gets exactly its own answer
    /// or error. Completes every item; never throws.
    /// </summary>
    public void ExecuteBatch(PendingBatch batch)
    {
        var items = batch.Items;
        var live = 0;
        for (var i = 0; i < items.Count; i++)
        {
            var item = items[i];
            if (!item.TryClaim())
            {
                // Its call was cancelled while it waited, and it has been answered.
                item.Release();
                continue;
            }

            items[live++] = item;
            RecordQueueTime(item.Request);
        }

        items.RemoveRange(live, items.Count - live);
        try
        {
            if (items.Count == 1)
            {
                ExecuteAlone(items[0]);
                return;
            }

            if (items.Count == 0)
            {
                return;
            }

            var answered = 0;
            try
            {
                answered = ExecuteMerged(batch);
            }
            catch (Exception ex)
            {
                // Nothing was answered: the merged Run failed before any response (see ExecuteMerged).
                ModelServerLog.MergedRunFailed(_logger, items.Count, ex);
            }

            for (var i = answered; i < items.Count; i++)
            {
                ExecuteAlone(items[i]);
            }
        }
        finally
        {
            foreach (var item in items)
            {
                item.Release();
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_batcher is not null)
        {
            await _batcher.StopAsync().ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The merged Run of <paramref name="batch"/>; answers its items in order and returns how many it answered
    /// (0 when the outputs cannot be split by rows).
    /// </summary>
    private int ExecuteMerged(PendingBatch batch)
    {
        var items = batch.Items;
        long totalRows = 0;
        ulong wanted = 0;
        foreach (var item in items)
        {
            totalRows += item.Request.Rows;
            foreach (var index in item.Request.OutputIndices)
            {
                wanted |= index < 64 ? 1UL << index : ulong.MaxValue;
            }
        }

        // The union of what the batch asked for, in model order (every output beyond 64 of them).
        var outputIndices = wanted == ulong.MaxValue ? _model.AllOutputIndices : _outputSets.GetOrAdd(wanted, static mask =>
            Enumerable.Range(0, 64).Where(o => (mask & (1UL << o)) != 0).ToArray());
        var slots = batch.OutputSlots;
        slots.AsSpan().Fill(-1);
        for (var j = 0; j < outputIndices.Length; j++)
        {
            slots[outputIndices[j]] = j;
        }

        var inputs = batch.Inputs;
        var outputs = batch.Outputs.AsSpan(0, outputIndices.Length);
        var created = 0;
        try
        {
            var first = items[0].Request;
            Span<long> shape = stackalloc long[16];
            for (; created < inputs.Length; created++)
            {
                var firstShape = first.Inputs[created].Shape;
                var merged = firstShape.Length <= shape.Length ? shape[..firstShape.Length] : new long[firstShape.Length];
                firstShape.CopyTo(merged);
                merged[0] = totalRows;
                inputs[created] = OnnxValue.CreateTensor(_model.Inputs[created].ElementType, merged);
                long offset = 0;
                foreach (var item in items)
                {
                    var input = item.Request.Inputs[created];
                    input.CopyTo(inputs[created], offset);
                    offset += input.ElementCount;
                }
            }

            Run(inputs, outputIndices, outputs, items.Count, CancellationToken.None);
            foreach (var output in outputs)
            {
                if (output!.Shape.Length == 0 || output.Shape[0] != totalRows)
                {
                    return 0;
                }
            }

            // Each response copies its rows straight from ONNX Runtime's output: the one copy a response needs.
            long rowStart = 0;
            for (var r = 0; r < items.Count; r++)
            {
                var item = items[r];
                var request = item.Request;
                InferResponse response;
                try
                {
                    response = BuildResponse(request, batch.Outputs, slots, rowStart, request.Rows);
                }
                catch (Exception ex)
                {
                    // Its own Run gives this caller its own answer or error.
                    ModelServerLog.MergedRunFailed(_logger, 1, ex);
                    ExecuteAlone(item);
                    rowStart += request.Rows;
                    continue;
                }

                rowStart += request.Rows;
                item.SetResult(response);
            }

            return items.Count;
        }
        finally
        {
            for (var i = 0; i < created; i++)
            {
                inputs[i].Dispose();
                inputs[i] = null!;
            }

            for (var j = 0; j < outputs.Length; j++)
            {
                outputs[j]?.Dispose();
                outputs[j] = null;
            }
        }
    }

    private void ExecuteAlone(BatchItem item)
    {
        InferResponse response;
        try
        {
            response = Execute(item.Request, item.CancellationToken);
        }
        catch (Exception ex)
        {
            item.SetException(ex);
            return;
        }

        item.SetResult(response);
    }

    private void Run(ReadOnlySpan<OnnxValue> inputs, ReadOnlySpan<int> outputIndices, Span<OnnxValue?> outputs, int requests, CancellationToken cancellationToken)
    {
        _metrics.RunStarted(requests);
        var start = Stopwatch.GetTimestamp();
        _model.Session.Run(_inputIndices, inputs, outputIndices, outputs, runOptions: null, cancellationToken);
        _metrics.ComputeCompleted(Stopwatch.GetElapsedTime(start).TotalSeconds);
    }

    /// <summary>
    /// The status of a Run that ONNX Runtime failed. Only ORT_INVALID_ARGUMENT says the inputs were wrong (values it
    /// checks while running, such as indices out of range): INVALID_ARGUMENT. Every other code (ORT_FAIL, which is
    /// also what an operator's own checks raise, ORT_RUNTIME_EXCEPTION, ORT_ENGINE_ERROR, ORT_NOT_IMPLEMENTED…) cannot
    /// be told apart from a fault of the server or the model (out of memory, a defective graph): INTERNAL, logged.
    /// </summary>
    private GrpcException RunFailure(OnnxRuntimeException ex)
    {
        if (ex.ErrorCode == OrtErrorCode.InvalidArgument)
        {
            return new GrpcException(StatusCode.InvalidArgument,
                $"model '{_model.Name}' rejected the values of its inputs {_model.InputNames}: {ex.OrtMessage}");
        }

        ModelServerLog.RunFailed(_logger, _model.Name, _model.Version, ex.ErrorCode, ex.OrtMessage);
        return new GrpcException(StatusCode.Internal,
            $"model '{_model.Name}' version '{_model.Version}' failed inside ONNX Runtime (error code {ex.ErrorCode}): {ex.OrtMessage}");
    }

    private void RecordQueueTime(DecodedRequest request) =>
        _metrics.QueueCompleted(_time.GetElapsedTime(request.ArrivedAt).TotalSeconds);

    /// <summary>
    /// The response of <paramref name="request"/> from rows [<paramref name="rowStart"/>, +<paramref name="rowCount"/>)
    /// of the outputs (all rows when <paramref name="rowCount"/> is negative), and the prediction histogram of those rows.
    /// Output j of the request is <paramref name="values"/>[j], or with <paramref name="slots"/> (a merged Run)
    /// <paramref name="values"/>[slots[its model index]].
    /// </summary>
    private InferResponse BuildResponse(DecodedRequest request, OnnxValue?[] values, int[]? slots, long rowStart, long rowCount)
    {
        var indices = request.OutputIndices;
        if (request.TypedOutputs)
        {
            var message = new ModelInferResponse { ModelName = _model.Name, ModelVersion = _model.Version, Id = request.Id };
            for (var j = 0; j < indices.Length; j++)
            {
                var spec = _model.Outputs[indices[j]];
                var value = values[slots is null ? j : slots[indices[j]]]!;
                OutputEncoder.AppendTyped(message, spec, value, rowStart, rowCount);
                _metrics.RecordOutputRows(spec, value, rowStart, rowCount);
            }

            return InferResponse.Of(message);
        }

        // One buffer holds every output's bytes; each output's contents is a slice of it.
        var total = 0;
        for (var j = 0; j < indices.Length; j++)
        {
            total += OutputEncoder.RawByteCount(_model.Outputs[indices[j]], values[slots is null ? j : slots[indices[j]]]!, rowCount);
        }

        var buffer = total == 0 ? [] : new byte[total];
        var offset = 0;
        var outputs = new RawOutput[indices.Length];
        for (var j = 0; j < indices.Length; j++)
        {
            var spec = _model.Outputs[indices[j]];
            var value = values[slots is null ? j : slots[indices[j]]]!;
            outputs[j] = OutputEncoder.Raw(spec, value, rowStart, rowCount, buffer, ref offset);
            _metrics.RecordOutputRows(spec, value, rowStart, rowCount);
        }

        return InferResponse.Raw(_model.Name, _model.Version, request.Id, outputs);
    }

    private static void DisposeAll(OnnxValue?[] values)
    {
        foreach (var value in values)
        {
            value?.Dispose();
        }
    }
}
