using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;
using Inference.Contracts.Oip;
using Inference.Engine.Batching;
using Inference.Engine.Diagnostics;
using Inference.Engine.Model;
using Inference.Engine.Requests;
using Inference.Engine.Responses;
using Inference.Engine.Runtime;
using Inference.Engine.Tensors;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace Inference.Engine.Execution;

/// <summary>
/// Runs Open Inference Protocol requests on one model: checks and decodes each request, admits at most
/// <see cref="EngineOptions.MaxInFlight"/> at once (others wait up to <see cref="EngineOptions.QueueTimeout"/>, then
/// <see cref="InferenceErrorKind.ResourceExhausted"/>), then runs it alone or in a dynamic batch. Every failure that is
/// not a cancellation is an <see cref="InferenceException"/>. A response is the same whichever way it ran.
/// </summary>
public sealed class InferenceEngine : IAsyncDisposable
{
    private readonly InferenceModel _model;
    private readonly ResponseEncoding _encoding;
    private readonly EngineMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly DynamicBatcher? _batcher;

    // Requests holding an admission slot (inference_in_flight reads it at each scrape).
    private long _admittedRequests;

    // Outputs of merged Runs, by the set of outputs the batch asked for (a bit mask).
    private readonly ConcurrentDictionary<ulong, (int[] Indices, string[] Names)> _outputSets = new();

    /// <param name="meterFactory">Where the engine's instruments are created; null for none anybody listens to.</param>
    public InferenceEngine(InferenceModel model, EngineOptions options, IMeterFactory? meterFactory = null, TimeProvider? time = null, ILogger<InferenceEngine>? logger = null)
    {
        _model = model;
        _encoding = new ResponseEncoding(model);
        _metrics = new EngineMetrics(meterFactory, model);
        _time = time ?? TimeProvider.System;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        var limit = options.MaxInFlight;
        if (options.Batching && model.CanBatch)
        {
            // Fewer admitted requests than rows in a batch would keep every batch from filling.
            if (limit < options.MaxBatchSize)
            {
                EngineLog.MaxInFlightRaised(_logger, limit, options.MaxBatchSize);
                limit = options.MaxBatchSize;
            }

            _batcher = new DynamicBatcher(
                this, limit, model.Inputs.Length, model.Outputs.Length, options.MaxBatchSize, options.MaxBatchDelay, _time);
        }
        else if (options.Batching)
        {
            EngineLog.BatchingUnavailable(_logger, model.Name);
        }

        Admission = new Admission(limit, options.QueueTimeout, _time);
        _metrics.SetInFlightSource(() => Volatile.Read(ref _admittedRequests));
    }

    public InferenceModel Model => _model;

    /// <summary>Inferences admitted and not yet answered.</summary>
    public long InFlight => Admission.InFlight;

    public bool IsBatching => _batcher is not null;

    internal Admission Admission { get; }

    internal DynamicBatcher? Batcher => _batcher;

    /// <summary>
    /// The response to <paramref name="request"/>. Throws <see cref="InferenceException"/> for a request that names
    /// another model, a bad request, no admission slot in time, or a failure inside ONNX Runtime;
    /// <see cref="OperationCanceledException"/> when <paramref name="cancellationToken"/> ends the call first.
    /// </summary>
    public async ValueTask<ModelInferResponse> InferAsync(ModelInferRequest request, CancellationToken cancellationToken = default)
    {
        using var result = await InferResultAsync(request, cancellationToken).ConfigureAwait(false);
        return result.ToMessage();
    }

    /// <summary>
    /// The response to <paramref name="request"/> as an <see cref="InferResult"/>, to be written (and then disposed) by
    /// the caller: raw outputs are written from ONNX Runtime's own tensors, without a copy in between. Fails as
    /// <see cref="InferAsync"/> does.
    /// </summary>
    // Pooled: a call that waits (for a slot or a batch) would otherwise allocate its state machine.
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<InferResult> InferResultAsync(ModelInferRequest request, CancellationToken cancellationToken = default)
    {
        _model.CheckServes(request.ModelName, request.ModelVersion);
        var decoded = RequestDecoder.Decode(_model, request);
        decoded.ArrivedAt = _time.GetTimestamp();
        if (!Admission.TryEnter() && !await Admission.EnterAsync(cancellationToken).ConfigureAwait(false))
        {
            throw new InferenceException(InferenceErrorKind.ResourceExhausted,
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
    /// index, count, shape dimension and number to parse, where a zero often is not. Throws what ONNX Runtime throws.
    /// </summary>
    public void WarmUp()
    {
        var inputs = new OrtValue[_model.Inputs.Length];
        try
        {
            for (var i = 0; i < inputs.Length; i++)
            {
                var spec = _model.Inputs[i];
                var shape = spec.Shape.Select(d => d < 0 ? 1 : d).ToArray();
                if (spec.IsString)
                {
                    var strings = inputs[i] = OrtValue.CreateTensorWithEmptyStrings(OrtAllocator.DefaultInstance, shape);
                    var count = shape.Aggregate(1L, (a, b) => a * b);
                    for (var e = 0; e < count; e++)
                    {
                        strings.StringTensorSetElementAt("1"u8, e);
                    }

                    continue;
                }

                var value = inputs[i] = OrtValue.CreateAllocatedTensorValue(OrtAllocator.DefaultInstance, spec.ElementType, shape);
                var one = OneOf(spec.ElementType);
                var data = value.GetTensorMutableRawData();
                for (var offset = 0; offset < data.Length; offset += one.Length)
                {
                    one.CopyTo(data[offset..]);
                }
            }

            using var outputs = _model.Session.Run(new RunOptions(), _model.InputNameList, inputs, _model.OutputNameList);
        }
        finally
        {
            foreach (var input in inputs)
            {
                input?.Dispose();
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
    /// Runs one request on its own; raw numeric inputs go to ONNX Runtime without a copy, and raw outputs stay in ONNX
    /// Runtime's tensors until the result is written.
    /// </summary>
    internal InferResult Execute(DecodedRequest request, CancellationToken cancellationToken)
    {
        var inputs = new OrtValue[_model.Inputs.Length];
        var pins = new MemoryHandle[inputs.Length];
        IDisposableReadOnlyCollection<OrtValue>? outputs = null;
        try
        {
            for (var i = 0; i < inputs.Length; i++)
            {
                inputs[i] = request.Inputs[i].ToValue(out pins[i]);
            }

            var indices = request.OutputIndices;
            var names = ReferenceEquals(indices, _model.AllOutputIndices) ? _model.OutputNameList : NamesOf(indices);
            outputs = Run(inputs, names, requests: 1, cancellationToken);
            var values = new RunOutput[outputs.Count];
            var j = 0;
            foreach (var output in outputs)
            {
                values[j++] = new RunOutput(output);
            }

            var result = BuildResult(request, values, slots: null, 0, -1, outputs);
            outputs = null;
            return result;
        }
        finally
        {
            outputs?.Dispose();
            for (var i = 0; i < inputs.Length; i++)
            {
                inputs[i]?.Dispose();
                pins[i].Dispose();
            }
        }
    }

    /// <summary>
    /// Runs a batch: requests whose call is already over are dropped, one request runs alone, several run as one
    /// (inputs concatenated along dimension 0, outputs split back by rows). If the merged Run fails, or an output
    /// does not have one row per input row, each request runs alone, so every caller gets exactly its own answer
    /// or error. Completes every item; never throws.
    /// </summary>
    internal void ExecuteBatch(PendingBatch batch)
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
                EngineLog.MergedRunFailed(_logger, items.Count, ex);
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
        var (outputIndices, outputNames) = wanted == ulong.MaxValue
            ? (_model.AllOutputIndices, _model.OutputNameList)
            : _outputSets.GetOrAdd(wanted, static (mask, engine) =>
            {
                var indices = Enumerable.Range(0, 64).Where(o => (mask & (1UL << o)) != 0).ToArray();
                return (indices, engine.NamesOf(indices));
            }, this);
        var slots = batch.OutputSlots;
        slots.AsSpan().Fill(-1);
        for (var j = 0; j < outputIndices.Length; j++)
        {
            slots[outputIndices[j]] = j;
        }

        var inputs = batch.Inputs;
        var created = 0;
        try
        {
            var first = items[0].Request;
            for (var i = 0; i < inputs.Length; i++)
            {
                var shape = (long[])first.Inputs[i].Shape.Clone();
                if (shape.Length > 0)
                {
                    shape[0] = totalRows;
                }

                var spec = _model.Inputs[i];
                inputs[i] = spec.IsString
                    ? OrtValue.CreateTensorWithEmptyStrings(OrtAllocator.DefaultInstance, shape)
                    : OrtValue.CreateAllocatedTensorValue(OrtAllocator.DefaultInstance, spec.ElementType, shape);
                created++;
                long offset = 0;
                foreach (var item in items)
                {
                    var input = item.Request.Inputs[i];
                    input.CopyTo(inputs[i], offset);
                    offset += input.ElementCount;
                }
            }

            using var outputs = Run(inputs, outputNames, items.Count, CancellationToken.None);
            var values = batch.Outputs;
            var j = 0;
            foreach (var output in outputs)
            {
                var value = values[j++] = new RunOutput(output);
                if (value.Shape.Length == 0 || value.Shape[0] != totalRows)
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
                InferResult response;
                try
                {
                    response = BuildResult(request, values, slots, rowStart, request.Rows, owner: null);
                }
                catch (Exception ex)
                {
                    // Its own Run gives this caller its own answer or error.
                    EngineLog.MergedRunFailed(_logger, 1, ex);
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

            Array.Clear(batch.Outputs);
        }
    }

    private void ExecuteAlone(BatchItem item)
    {
        InferResult response;
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

    private IDisposableReadOnlyCollection<OrtValue> Run(OrtValue[] inputs, string[] outputNames, int requests, CancellationToken cancellationToken)
    {
        _metrics.RunStarted(requests);
        var runOptions = RunOptionsPool.Rent();
        // A call that ends while it runs terminates its Run: ONNX Runtime checks the flag between nodes.
        var registration = cancellationToken.CanBeCanceled
            ? cancellationToken.UnsafeRegister(static state => ((RunOptions)state!).Terminate = true, runOptions)
            : default;
        var start = Stopwatch.GetTimestamp();
        try
        {
            var outputs = _model.Session.Run(runOptions, _model.InputNameList, inputs, outputNames);
            _metrics.ComputeCompleted(Stopwatch.GetElapsedTime(start).TotalSeconds);
            return outputs;
        }
        catch (OnnxRuntimeException) when (cancellationToken.IsCancellationRequested)
        {
            throw new OperationCanceledException(cancellationToken);
        }
        catch (OnnxRuntimeException ex)
        {
            throw RunFailure(OrtFailure.Of(ex));
        }
        finally
        {
            // Waits for a cancellation callback that is running, so the flag is final when the options go back.
            registration.Dispose();
            RunOptionsPool.Return(runOptions);
        }
    }

    /// <summary>
    /// The failure of a Run that ONNX Runtime failed. Only ORT_INVALID_ARGUMENT says the inputs were wrong (values it
    /// checks while running, such as indices out of range): InvalidArgument. Every other code (ORT_FAIL, which is also
    /// what an operator's own checks raise, ORT_RUNTIME_EXCEPTION, ORT_ENGINE_ERROR, ORT_NOT_IMPLEMENTED…) cannot be
    /// told apart from a fault of the server or the model (out of memory, a defective graph): Internal, logged.
    /// </summary>
    private InferenceException RunFailure(OrtFailure failure)
    {
        if (failure.Code == OrtFailure.InvalidArgument)
        {
            return new InferenceException(InferenceErrorKind.InvalidArgument,
                $"model '{_model.Name}' rejected the values of its inputs {_model.InputNames}: {failure.Message}");
        }

        EngineLog.RunFailed(_logger, _model.Name, _model.Version, failure.Code, failure.Message);
        return new InferenceException(InferenceErrorKind.Internal,
            $"model '{_model.Name}' version '{_model.Version}' failed inside ONNX Runtime (error code {failure.Code}): {failure.Message}");
    }

    private void RecordQueueTime(DecodedRequest request) =>
        _metrics.QueueCompleted(_time.GetElapsedTime(request.ArrivedAt).TotalSeconds);

    private string[] NamesOf(int[] indices) => indices.Select(i => _model.OutputNameList[i]).ToArray();

    /// <summary>
    /// The result of <paramref name="request"/> from rows [<paramref name="rowStart"/>, +<paramref name="rowCount"/>)
    /// of the outputs (all rows when <paramref name="rowCount"/> is negative), and the prediction histogram of those rows.
    /// Output j of the request is <paramref name="values"/>[j], or with <paramref name="slots"/> (a merged Run)
    /// <paramref name="values"/>[slots[its model index]]. With <paramref name="owner"/> (the outputs of the request's
    /// own Run, all rows) raw outputs are read from ONNX Runtime's tensors when the result is written, and the result
    /// owns them; otherwise the rows are copied into one buffer of the response's own.
    /// </summary>
    private InferResult BuildResult(DecodedRequest request, RunOutput[] values, int[]? slots, long rowStart, long rowCount, IDisposable? owner)
    {
        var indices = request.OutputIndices;
        if (request.TypedOutputs)
        {
            var response = new ModelInferResponse { ModelName = _model.Name, ModelVersion = _model.Version, Id = request.Id };
            for (var j = 0; j < indices.Length; j++)
            {
                var spec = _model.Outputs[indices[j]];
                ref readonly var value = ref values[slots is null ? j : slots[indices[j]]];
                OutputEncoder.AppendTyped(response, spec, value, rowStart, rowCount);
                _metrics.RecordOutputRows(spec, value, rowStart, rowCount);
            }

            owner?.Dispose();
            return new InferResult(response);
        }

        var outputs = new ResultOutput[indices.Length];
        byte[]? buffer = null;
        if (owner is null)
        {
            // One buffer holds the rows of every numeric output; each output is a slice of it.
            var total = 0;
            for (var j = 0; j < indices.Length; j++)
            {
                total += OutputEncoder.RawByteCount(_model.Outputs[indices[j]], values[slots is null ? j : slots[indices[j]]], rowCount);
            }

            buffer = total == 0 ? [] : new byte[total];
        }

        var offset = 0;
        for (var j = 0; j < indices.Length; j++)
        {
            var spec = _model.Outputs[indices[j]];
            ref readonly var value = ref values[slots is null ? j : slots[indices[j]]];
            outputs[j] = OutputEncoder.Raw(spec, value, rowStart, rowCount, buffer, ref offset);
            _metrics.RecordOutputRows(spec, value, rowStart, rowCount);
        }

        return new InferResult(_encoding, request.Id, outputs, owner);
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
}
