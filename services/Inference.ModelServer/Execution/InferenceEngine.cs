using System.Diagnostics;
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
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _slots;
    private readonly int _maxInFlight;
    private readonly TimeSpan _queueTimeout;
    private readonly int[] _inputIndices;
    private readonly DynamicBatcher? _batcher;
    private long _inFlight;

    public InferenceEngine(ServedModel model, ModelServerOptions options, ModelServerMetrics metrics, TimeProvider time, ILogger<InferenceEngine> logger)
    {
        _model = model;
        _metrics = metrics;
        _logger = logger;
        _maxInFlight = options.MaxInFlight;
        _slots = new SemaphoreSlim(options.MaxInFlight, options.MaxInFlight);
        _queueTimeout = options.QueueTimeout;
        _inputIndices = Enumerable.Range(0, model.Inputs.Length).ToArray();
        if (options.Batching && model.CanBatch)
        {
            _batcher = new DynamicBatcher(this, options.MaxBatchSize, options.MaxBatchDelay, time);
        }
        else if (options.Batching)
        {
            ModelServerLog.BatchingUnavailable(logger, model.Name);
        }
    }

    /// <summary>Inferences admitted and not yet answered.</summary>
    public long InFlight => Interlocked.Read(ref _inFlight);

    public bool IsBatching => _batcher is not null;

    public async ValueTask<ModelInferResponse> InferAsync(ModelInferRequest request, CancellationToken cancellationToken)
    {
        var decoded = RequestDecoder.Decode(_model, request);
        if (!_slots.Wait(0) && !await _slots.WaitAsync(_queueTimeout, cancellationToken).ConfigureAwait(false))
        {
            throw new GrpcException(StatusCode.ResourceExhausted,
                $"model '{_model.Name}' is at its limit of {_maxInFlight} concurrent inferences; retry later");
        }

        Interlocked.Increment(ref _inFlight);
        _metrics.InFlightChanged(1);
        try
        {
            // Requests whose inputs disagree on dimension 0 cannot share a batch: they run alone at once.
            if (_batcher is not null && decoded.Rows < _batcher.MaxBatchSize && decoded.IsBatchCompatible(decoded))
            {
                return await _batcher.SubmitAsync(decoded, cancellationToken).ConfigureAwait(false);
            }

            return Execute(decoded, cancellationToken);
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
            _metrics.InFlightChanged(-1);
            _slots.Release();
        }
    }

    /// <summary>Stops waiting for batches to fill (called when draining starts).</summary>
    public void Flush() => _batcher?.Flush();

    /// <summary>
    /// A synthetic Run with every dynamic dimension set to 1 and zero (or empty string) inputs, so the first
    /// real request does not pay for ONNX Runtime's lazy initialisation.
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
                inputs[i] = OnnxValue.CreateTensor(spec.ElementType, spec.Shape.Select(d => d < 0 ? 1 : d).ToArray());
            }

            _model.Session.Run(_inputIndices, inputs, _model.AllOutputIndices, outputs);
        }
        finally
        {
            DisposeAll(inputs);
            DisposeAll(outputs);
        }
    }

    /// <summary>Runs one request on its own; raw numeric inputs go to ONNX Runtime without a copy.</summary>
    public ModelInferResponse Execute(DecodedRequest request, CancellationToken cancellationToken)
    {
        var inputs = new OnnxValue[_inputIndices.Length];
        var outputs = new OnnxValue?[request.OutputIndices.Length];
        try
        {
            for (var i = 0; i < inputs.Length; i++)
            {
                inputs[i] = request.Inputs[i].ToValue();
            }

            Run(inputs, request.OutputIndices, outputs, cancellationToken);
            var response = NewResponse(request);
            for (var j = 0; j < outputs.Length; j++)
            {
                var spec = _model.Outputs[request.OutputIndices[j]];
                OutputEncoder.Append(response, spec, outputs[j]!, 0, -1, request.TypedOutputs);
                _metrics.RecordOutputRows(spec, outputs[j]!, 0, -1);
            }

            return response;
        }
        finally
        {
            DisposeAll(inputs);
            DisposeAll(outputs);
        }
    }

    /// <summary>
    /// Runs compatible requests as one: inputs concatenated along dimension 0, outputs split back by rows.
    /// If the merged Run fails, or an output does not have one row per input row, each request runs alone,
    /// so every caller gets exactly its own answer or error.
    /// </summary>
    public void ExecuteBatch(List<BatchItem> batch)
    {
        if (batch.Count == 1)
        {
            ExecuteAlone(batch[0]);
            return;
        }

        ModelInferResponse[]? responses = null;
        try
        {
            responses = ExecuteMerged(batch);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            ModelServerLog.MergedRunFailed(_logger, batch.Count, ex);
        }

        if (responses is null)
        {
            foreach (var item in batch)
            {
                ExecuteAlone(item);
            }

            return;
        }

        for (var i = 0; i < batch.Count; i++)
        {
            batch[i].TrySetResult(responses[i]);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_batcher is not null)
        {
            await _batcher.StopAsync().ConfigureAwait(false);
        }
    }

    private ModelInferResponse[]? ExecuteMerged(List<BatchItem> batch)
    {
        long totalRows = 0;
        foreach (var item in batch)
        {
            totalRows += item.Request.Rows;
        }

        // The union of what the batch asked for, in model order.
        Span<bool> wanted = stackalloc bool[_model.Outputs.Length];
        foreach (var item in batch)
        {
            foreach (var index in item.Request.OutputIndices)
            {
                wanted[index] = true;
            }
        }

        var outputIndices = new List<int>(_model.Outputs.Length);
        for (var o = 0; o < wanted.Length; o++)
        {
            if (wanted[o])
            {
                outputIndices.Add(o);
            }
        }

        var inputs = new OnnxValue[_inputIndices.Length];
        var outputs = new OnnxValue?[outputIndices.Count];
        try
        {
            var first = batch[0].Request;
            for (var i = 0; i < inputs.Length; i++)
            {
                var shape = (long[])first.Inputs[i].Shape.Clone();
                shape[0] = totalRows;
                inputs[i] = OnnxValue.CreateTensor(_model.Inputs[i].ElementType, shape);
                long offset = 0;
                foreach (var item in batch)
                {
                    var input = item.Request.Inputs[i];
                    input.CopyTo(inputs[i], offset);
                    offset += input.ElementCount;
                }
            }

            Run(inputs, outputIndices.ToArray(), outputs, CancellationToken.None);
            foreach (var output in outputs)
            {
                if (output!.Shape.Length == 0 || output.Shape[0] != totalRows)
                {
                    return null;
                }
            }

            var responses = new ModelInferResponse[batch.Count];
            long rowStart = 0;
            for (var r = 0; r < batch.Count; r++)
            {
                var request = batch[r].Request;
                var response = NewResponse(request);
                foreach (var index in request.OutputIndices)
                {
                    var output = outputs[outputIndices.IndexOf(index)]!;
                    var spec = _model.Outputs[index];
                    OutputEncoder.Append(response, spec, output, rowStart, request.Rows, request.TypedOutputs);
                    _metrics.RecordOutputRows(spec, output, rowStart, request.Rows);
                }

                responses[r] = response;
                rowStart += request.Rows;
            }

            return responses;
        }
        finally
        {
            DisposeAll(inputs);
            DisposeAll(outputs);
        }
    }

    private void ExecuteAlone(BatchItem item)
    {
        try
        {
            item.TrySetResult(Execute(item.Request, item.CancellationToken));
        }
        catch (OperationCanceledException) when (item.CancellationToken.IsCancellationRequested)
        {
            item.TrySetCanceled(item.CancellationToken);
        }
        catch (Exception ex)
        {
            item.TrySetException(ex);
        }
    }

    private void Run(OnnxValue[] inputs, int[] outputIndices, OnnxValue?[] outputs, CancellationToken cancellationToken)
    {
        var start = Stopwatch.GetTimestamp();
        try
        {
            _model.Session.Run(_inputIndices, inputs, outputIndices, outputs, runOptions: null, cancellationToken);
        }
        catch (OnnxRuntimeException ex) when (ex.ErrorCode is OrtErrorCode.InvalidArgument or OrtErrorCode.Fail or OrtErrorCode.RuntimeException)
        {
            // The inputs passed every check the model's declared shapes allow; ONNX Runtime found them
            // inconsistent while running (e.g. operands that do not broadcast): still the caller's tensors.
            throw new GrpcException(StatusCode.InvalidArgument, $"model '{_model.Name}' rejected the inputs: {ex.OrtMessage}");
        }

        _metrics.ComputeCompleted(Stopwatch.GetElapsedTime(start).TotalSeconds);
    }

    private ModelInferResponse NewResponse(DecodedRequest request) => new()
    {
        ModelName = _model.Name,
        ModelVersion = _model.Version,
        Id = request.Message.Id,
    };

    private static void DisposeAll(OnnxValue?[] values)
    {
        foreach (var value in values)
        {
            value?.Dispose();
        }
    }
}
