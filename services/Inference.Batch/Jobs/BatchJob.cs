using System.Threading.Channels;
using Inference.Batch.Models;
using Inference.Batch.Output;
using Inference.Batch.Progress;
using Inference.Batch.Scoring;
using Inference.Batch.Tables;
using Inference.Batch.Tables.Csv;
using Inference.Batch.Tables.JsonLines;
using Inference.Batch.Tables.Parquet;

namespace Inference.Batch.Jobs;

/// <summary>
/// One batch job: checks that the file fits the model before scoring anything, then streams the rows through
/// Runs of <c>--batch-size</c> rows (read, scored and written concurrently, written in file order) and commits
/// after each chunk: output and error file flushed to disk, then the checkpoint. A restart resumes from the
/// checkpoint and produces the same bytes as a run that was never stopped.
/// </summary>
internal sealed class BatchJob(JobOptions options, JobContext context)
{
    public async Task<JobSummary> RunAsync(CancellationToken cancellationToken)
    {
        var started = context.Time.GetTimestamp();
        var format = options.Format ?? TableFormats.FromPath(options.Input)
            ?? throw new JobException($"cannot tell the format of {options.Input} from its name: pass --format csv|jsonl|parquet");
        var outputFormat = options.OutputFormat ?? TableFormats.FromPath(options.Output) ?? format;
        if (!File.Exists(options.Input))
        {
            throw new JobException($"the input {options.Input} does not exist");
        }

        await using var scorer = await OpenScorerAsync(cancellationToken);
        var model = scorer.Model;
        await using var reader = await OpenReaderAsync(format, outputFormat, cancellationToken);
        var mapper = RowMapper.Bind(model, reader.Columns, options.Map);
        var layout = new OutputLayout(reader.Columns, reader.ParquetFields, model, options.OutputPrefix);
        var batchSize = model.IsBatchable ? options.BatchSize : 1;

        var identity = Identity(format, outputFormat, model, batchSize);
        var checkpoint = Checkpoint.Read(options.CheckpointPath);
        if (checkpoint is not null)
        {
            if (identity.Difference(checkpoint.Job) is { } difference)
            {
                throw new JobException($"the checkpoint {options.CheckpointPath} belongs to another job ({difference}); delete it to start over, or pass another --checkpoint");
            }

            await context.Error.WriteLineAsync($"resuming from {options.CheckpointPath}: {checkpoint.RowsWritten} rows written, {checkpoint.RowsFailed} bad, continuing at row {checkpoint.NextRow + 1}");
        }

        var range = checkpoint is null
            ? await reader.ShardRangeAsync(options.Shard, options.ChunkRows, cancellationToken)
            : new RowRange(checkpoint.NextRow, checkpoint.EndRow);
        await using var writer = CreateWriter(outputFormat, layout);
        await writer.OpenAsync(checkpoint?.Output, cancellationToken);
        using var errors = new ErrorFile(options.ErrorsPath);
        errors.Open(checkpoint?.ErrorBytes ?? 0);

        var state = new PumpState(checkpoint?.RowsWritten ?? 0, checkpoint?.RowsFailed ?? 0);
        var progress = new ProgressReporter(context.Error, context.ErrorIsTerminal, options.ProgressInterval, context.Time);
        try
        {
            if (checkpoint is not { Finished: true })
            {
                await reader.SeekAsync(range.Start, cancellationToken);
                await PumpAsync(scorer, reader, mapper, writer, errors, identity, range, batchSize, state, progress, cancellationToken);
            }

            await writer.FinishAsync(cancellationToken);
        }
        finally
        {
            progress.End();
        }

        File.Delete(options.CheckpointPath);
        return new JobSummary(state.Written, state.Failed, checkpoint is not null, context.Time.GetElapsedTime(started), errors.Path);
    }

    private async Task PumpAsync(
        IModelScorer scorer, TableReader reader, RowMapper mapper, TableWriter writer, ErrorFile errors, JobIdentity identity,
        RowRange range, int batchSize, PumpState state, ProgressReporter progress, CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var concurrency = Math.Max(1, options.ModelFile is null ? options.Concurrency : 1);
        var queue = Channel.CreateBounded<WorkItem>(new BoundedChannelOptions(concurrency + 2) { SingleReader = true, SingleWriter = true });
        using var slots = new SemaphoreSlim(concurrency);
        var total = range.End is { } end ? end - range.Start + state.Written + state.Failed : (long?)null;
        // Batches written go back here and are refilled: their buffers are reused rather than allocated per Run.
        var free = new System.Collections.Concurrent.ConcurrentQueue<RowBatch>();

        var producer = Task.Run(
            async () =>
            {
                try
                {
                    var position = range.Start;
                    var more = true;
                    while (more && (range.End is not { } last || position < last))
                    {
                        var chunkEnd = Math.Min(range.End ?? long.MaxValue, reader.ChunkEnd(position, options.ChunkRows));
                        while (position < chunkEnd)
                        {
                            var batch = free.TryDequeue(out var reused) ? reused : new RowBatch(mapper, reader.CreatePassThrough(), batchSize);
                            var read = await reader.ReadAsync(batch, mapper, batchSize, chunkEnd, stop.Token);
                            if (read == 0)
                            {
                                batch.Dispose();
                                more = false;
                                break;
                            }

                            position += read;
                            await slots.WaitAsync(stop.Token);
                            var run = Task.Run(
                                async () =>
                                {
                                    try
                                    {
                                        return await ScoreAsync(scorer, batch, stop.Token);
                                    }
                                    finally
                                    {
                                        slots.Release();
                                    }
                                },
                                stop.Token);
                            await queue.Writer.WriteAsync(new WorkItem(run, position), stop.Token);
                        }

                        await queue.Writer.WriteAsync(new WorkItem(null, position), stop.Token);
                    }

                    queue.Writer.Complete();
                }
                catch (Exception ex)
                {
                    queue.Writer.Complete(ex);
                }
            },
            stop.Token);

        try
        {
            await foreach (var item in queue.Reader.ReadAllAsync(stop.Token))
            {
                if (item.Run is null)
                {
                    var output = await writer.CommitAsync(stop.Token);
                    var errorBytes = errors.Commit();
                    new Checkpoint
                    {
                        Job = identity,
                        NextRow = item.NextRow,
                        EndRow = range.End,
                        RowsWritten = state.Written,
                        RowsFailed = state.Failed,
                        OutputBytes = output.Bytes,
                        OutputParts = output.Parts,
                        ErrorBytes = errorBytes,
                        Finished = range.End is { } last ? item.NextRow >= last : false,
                    }.Write(options.CheckpointPath);
                    continue;
                }

                var scored = await item.Run;
                await writer.WriteAsync(scored, stop.Token);
                state.Written += scored.Segments.Sum(s => s.Rows);
                foreach (var error in scored.Errors)
                {
                    errors.Write(error);
                    if (++state.Failed > options.MaxErrors)
                    {
                        errors.Commit();
                        throw new JobException(
                            $"row {error.Row}: {error.Reason} — {state.Failed} bad rows, more than --max-errors {options.MaxErrors} (all of them are in {errors.Path})",
                            Cli.ExitCodes.TooManyBadRows);
                    }
                }

                scored.Batch.Reset();
                free.Enqueue(scored.Batch);
                var done = state.Written + state.Failed;
                progress.Update(done, state.Failed, total is > 0 ? (double)done / total.Value : reader.Fraction);
            }

            // Every row is committed: the checkpoint says so, for a restart between here and the output's completion.
            var committed = await writer.CommitAsync(stop.Token);
            new Checkpoint
            {
                Job = identity,
                NextRow = range.End ?? long.MaxValue,
                EndRow = range.End,
                RowsWritten = state.Written,
                RowsFailed = state.Failed,
                OutputBytes = committed.Bytes,
                OutputParts = committed.Parts,
                ErrorBytes = errors.Commit(),
                Finished = true,
            }.Write(options.CheckpointPath);
        }
        finally
        {
            await stop.CancelAsync();
            try
            {
                await producer;
            }
            catch (OperationCanceledException)
            {
            }

            while (free.TryDequeue(out var batch))
            {
                batch.Dispose();
            }
        }
    }

    /// <summary>Scores a Run; when the model refuses it, scores its rows one by one so that only the rows to blame are left out.</summary>
    private static async Task<ScoredRun> ScoreAsync(IModelScorer scorer, RowBatch batch, CancellationToken cancellationToken)
    {
        if (batch.Count == 0)
        {
            return new ScoredRun(batch, [], batch.Errors);
        }

        try
        {
            var scored = await scorer.ScoreAsync(RunRequests.Create(scorer.Model, batch, 0, batch.Count), batch.Count, cancellationToken);
            return new ScoredRun(batch, [new ScoredSegment(0, batch.Count, scored.Outputs, scored.ModelVersion)], batch.Errors);
        }
        catch (RunRefusedException) when (batch.Count > 1)
        {
            var segments = new List<ScoredSegment>();
            var errors = new List<RowError>(batch.Errors);
            for (var row = 0; row < batch.Count; row++)
            {
                try
                {
                    var scored = await scorer.ScoreAsync(RunRequests.Create(scorer.Model, batch, row, 1), 1, cancellationToken);
                    segments.Add(new ScoredSegment(row, 1, scored.Outputs, scored.ModelVersion));
                }
                catch (RunRefusedException ex)
                {
                    errors.Add(new RowError(batch.RowNumbers[row], null, $"the model refused the row: {ex.Message}"));
                }
            }

            return new ScoredRun(batch, segments, errors.OrderBy(e => e.Row).ToList());
        }
        catch (RunRefusedException ex)
        {
            var errors = batch.Errors.Append(new RowError(batch.RowNumbers[0], null, $"the model refused the row: {ex.Message}"));
            return new ScoredRun(batch, [], errors.OrderBy(e => e.Row).ToList());
        }
    }

    private async Task<IModelScorer> OpenScorerAsync(CancellationToken cancellationToken)
    {
        if (options.ModelFile is not null)
        {
            if (context.OpenInProcess is null)
            {
                throw new JobException("in-process scoring (--model) is not available in this build; score through a model server with --address");
            }

            return await context.OpenInProcess(options, cancellationToken);
        }

        var retry = new RetryPolicy(options.Attempts, TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(5), context.Time, context.Random);
        return await RemoteScorer.ConnectAsync(
            RemoteScorer.AddressOf(options.Address!), options.Name!, options.Version, options.Timeout, retry, context.Time,
            note => context.Error.WriteLine($"note: {note}"), cancellationToken);
    }

    private async Task<TableReader> OpenReaderAsync(TableFormat format, TableFormat outputFormat, CancellationToken cancellationToken) => format switch
    {
        TableFormat.Csv => CsvTableReader.Open(options.Input),
        TableFormat.JsonLines => JsonLinesTableReader.Open(options.Input, strictColumns: outputFormat != TableFormat.JsonLines),
        _ => await ParquetTableReader.OpenAsync(options.Input, cancellationToken),
    };

    private TableWriter CreateWriter(TableFormat format, OutputLayout layout) => format switch
    {
        TableFormat.Csv => new CsvTableWriter(options.Output, layout),
        TableFormat.JsonLines => new JsonLinesTableWriter(options.Output, layout),
        _ => new ParquetTableWriter(options.Output, layout),
    };

    private JobIdentity Identity(TableFormat format, TableFormat outputFormat, ModelDescription model, int batchSize)
    {
        var input = new FileInfo(options.Input);
        return new JobIdentity
        {
            Input = input.FullName,
            InputBytes = input.Length,
            InputModified = input.LastWriteTimeUtc,
            Output = Path.GetFullPath(options.Output),
            Format = format.Name(),
            OutputFormat = outputFormat.Name(),
            ModelName = model.Name,
            ModelVersion = model.Version,
            ModelSha256 = model.Sha256,
            Mapping = string.Join(',', options.Map),
            BatchSize = batchSize,
            ChunkRows = options.ChunkRows,
            Shard = options.Shard.ToString(),
            OutputPrefix = options.OutputPrefix,
        };
    }

    private sealed class PumpState(long written, long failed)
    {
        public long Written { get; set; } = written;

        public long Failed { get; set; } = failed;
    }
}
