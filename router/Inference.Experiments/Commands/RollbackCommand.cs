using Inference.Experiments.Admin;
using Inference.Experiments.Reports;
using Inference.Experiments.Targets;

namespace Inference.Experiments.Commands;

/// <summary>
/// <c>rollback &lt;model&gt;</c> on every instance at once. No revision check (a rollback must go
/// through whatever changed before it), and a call that got no decision from the instance (no
/// answer, 502/503/504) is tried again: a rollback applied twice is the same rollback.
/// </summary>
internal sealed class RollbackCommand(AdminClient client, TimeProvider time, TimeSpan retryDelay)
{
    public const int MaxAttempts = 3;

    public async Task<ChangeReport> RunAsync(IReadOnlyList<AdminTarget> targets, string model, CancellationToken cancellationToken)
    {
        var instances = await Task.WhenAll(targets.Select(target => RollbackAsync(target, model, cancellationToken)));
        return ChangeReports.Create("rollback", model, instances);
    }

    private async Task<InstanceChange> RollbackAsync(AdminTarget target, string model, CancellationToken cancellationToken)
    {
        if (target.Address is null)
        {
            return InstanceChange.Failed(target.Name, target.Problem!);
        }

        for (var attempt = 1; ; attempt++)
        {
            var result = await client.RollbackAsync(target.Address, model, cancellationToken);
            if (result.Succeeded)
            {
                return new InstanceChange
                {
                    Instance = target.Name,
                    Outcome = ChangeOutcome.Applied,
                    Experiment = result.Value.Experiment,
                    Before = result.Value.Before,
                    After = result.Value.After,
                    Revision = result.Value.Revision,
                    Persisted = result.Value.Persisted,
                    Attempts = attempt,
                };
            }

            if (!result.Failure.IsRetryable || attempt == MaxAttempts)
            {
                return InstanceChange.Failed(target.Name, result.Failure.Describe(), result.Failure.StatusCode, attempt);
            }

            // Doubling pauses: a restarting pod or a dropped connection gets a moment to come back.
            await Task.Delay(retryDelay * (1 << (attempt - 1)), time, cancellationToken);
        }
    }
}
