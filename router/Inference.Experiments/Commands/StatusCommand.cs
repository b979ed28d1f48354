using Inference.Experiments.Admin;
using Inference.Experiments.Cli;
using Inference.Experiments.Reports;
using Inference.Experiments.Targets;

namespace Inference.Experiments.Commands;

/// <summary><c>status [model]</c>: reads every instance at once and compares what they hold.</summary>
internal sealed class StatusCommand(AdminClient client)
{
    public async Task<StatusReport> RunAsync(IReadOnlyList<AdminTarget> targets, string? model, CancellationToken cancellationToken)
    {
        var instances = await Task.WhenAll(targets.Select(target => ReadAsync(target, model, cancellationToken)));
        var answered = instances.Where(i => i.Models is not null).ToList();
        var diverged = new List<DivergedModel>();
        foreach (var name in answered.SelectMany(i => i.Models!.Keys).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
        {
            var observations = answered
                .Select(i => i.Models!.TryGetValue(name, out var m) ? new ModelObservation(i.Instance, m.Experiment, m.Weights) : new ModelObservation(i.Instance, null, null))
                .ToList();
            if (Divergence.Check(name, observations) is { } divergence)
            {
                diverged.Add(divergence);
            }
        }

        var failed = instances.Count(i => i.Error is not null);
        return new StatusReport
        {
            Model = model,
            Instances = instances,
            Failed = failed,
            Diverged = diverged,
            ExitCode = ExitCodes.For(failed, diverged.Count > 0),
        };
    }

    private async Task<StatusInstance> ReadAsync(AdminTarget target, string? model, CancellationToken cancellationToken)
    {
        if (target.Address is null)
        {
            return new StatusInstance { Instance = target.Name, Error = target.Problem };
        }

        var read = await client.GetModelsAsync(target.Address, cancellationToken);
        if (!read.Succeeded)
        {
            return new StatusInstance { Instance = target.Name, StatusCode = read.Failure.StatusCode, Error = read.Failure.Describe() };
        }

        var view = read.Value;
        var models = view.Models
            .Where(m => model is null || m.Key == model)
            .ToDictionary(m => m.Key, m => Summarise(m.Value), StringComparer.Ordinal);
        var status = new StatusInstance { Instance = target.Name, Revision = view.Revision, Ready = view.Ready, Models = models };
        // Asked about one model: an instance without it cannot be compared, and is reported as failed.
        return model is not null && models.Count == 0
            ? status with { StatusCode = 404, Error = $"model '{model}' is not configured on this instance (it has: {Names(view)})" }
            : status;
    }

    private static string Names(ModelsView view) => view.Models.Count == 0 ? "no model" : string.Join(", ", view.Models.Keys);

    private static StatusModel Summarise(ModelView model) => new(
        model.Experiment.Name,
        model.Experiment.Control,
        model.Experiment.Weights,
        model.Experiment.WeightsSource,
        model.Versions.ToDictionary(
            v => v.Key,
            v => new StatusVersion(v.Value.Endpoints.Count, v.Value.Endpoints.Count(e => e.Healthy), v.Value.Endpoints.Count(e => e.Available), v.Value.Panic),
            StringComparer.Ordinal),
        model.Experiment.Rollback);
}
