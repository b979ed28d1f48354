using Inference.Batch.Jobs;
using Inference.Batch.Models;
using Inference.Contracts.Oip;
using Inference.Engine;
using Inference.Engine.Execution;
using Inference.Engine.Model;
using Microsoft.ML.OnnxRuntime;

namespace Inference.Batch.Scoring;

/// <summary>
/// Scores in this process through the model server's own engine (<c>Inference.Engine</c>): the model is loaded and
/// hashed as the server loads it, and each Run's ModelInferRequest is decoded, run and encoded by the same code, so
/// an answer is the server's bit for bit.
/// </summary>
internal sealed class EngineScorer : IModelScorer
{
    private readonly InferenceModel _model;
    private readonly InferenceEngine _engine;

    private EngineScorer(InferenceModel model, InferenceEngine engine, ModelDescription description)
    {
        _model = model;
        _engine = engine;
        Model = description;
    }

    public ModelDescription Model { get; }

    /// <summary>Loads <c>--model</c> labelled <c>--name</c> (default: the file's name) and <c>--version</c> (default: empty).</summary>
    public static Task<IModelScorer> OpenAsync(JobOptions options, CancellationToken cancellationToken)
    {
        var name = options.Name ?? Path.GetFileNameWithoutExtension(options.ModelFile!);
        var version = options.Version ?? "";
        InferenceModel model;
        try
        {
            model = InferenceModel.Load(options.ModelFile!, name, version, new ModelOptions { IntraOpThreads = options.IntraOpThreads });
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or NotSupportedException or OnnxRuntimeException)
        {
            throw new JobException($"cannot load the model {options.ModelFile}: {ex.Message}");
        }

        // The job bounds its own Runs in flight; a Run never waits here for a slot.
        var engine = new InferenceEngine(model, new EngineOptions { MaxInFlight = 4, QueueTimeout = TimeSpan.FromHours(1) });
        return Task.FromResult<IModelScorer>(new EngineScorer(model, engine, OipResponses.Describe(model.Metadata, name, version, model.Sha256)));
    }

    public async ValueTask<ScoredTensors> ScoreAsync(ModelInferRequest request, int rows, CancellationToken cancellationToken)
    {
        try
        {
            var response = await _engine.InferAsync(request, cancellationToken);
            return OipResponses.Outputs(Model, response, rows, Model.Version);
        }
        catch (InferenceException ex) when (ex.Kind == InferenceErrorKind.InvalidArgument)
        {
            throw new RunRefusedException(ex.Message);
        }
        catch (InferenceException ex)
        {
            throw new JobException($"the model failed ({ex.Kind}): {ex.Message}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _engine.DisposeAsync();
        _model.Dispose();
    }
}
