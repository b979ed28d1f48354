using Grpc.Core;
using Inference.Router.Routing;

namespace Inference.Router.Guard;

/// <summary>
/// Feeds every finished call of an experiment with a guard into the experiment's window, and rolls the experiment
/// back, as the admin rollback does, when the window reports a breach. The rollback runs off the call's path.
/// </summary>
internal sealed class GuardMonitor(RouterState state, GuardMetrics metrics, TimeProvider time, ILogger<GuardMonitor> logger)
{
    /// <summary>The guard's clock in seconds (monotonic, from the injected time provider).</summary>
    public static double Seconds(TimeProvider time) => (double)time.GetTimestamp() / time.TimestampFrequency;

    /// <summary>Records a finished call (routed by the experiment, not pinned) and acts on a breach.</summary>
    public void Record(in RouteDecision decision, StatusCode status, double seconds)
    {
        var experiment = decision.Model.Experiment;
        if (experiment.Guard is not { } window || !ServerFaults.IsJudged(status))
        {
            return;
        }

        var group = experiment.IndexOf(decision.Group);
        if (group < 0)
        {
            // Pinned calls bypass the experiment.
            return;
        }

        var breach = window.Record(group, ServerFaults.IsFault(status), seconds, Seconds(time), judge: experiment.Rollback is null);
        if (breach is not null)
        {
            _ = RollBackAsync(decision.Model.Name, experiment.Name, breach);
        }
    }

    private async Task RollBackAsync(string model, string experiment, string reason)
    {
        // Off the caller's path: the call that tripped the window has already been answered.
        await Task.Yield();
        GuardLog.Breached(logger, model, experiment, reason);
        try
        {
            var result = await state.RollbackAsync(model, RollbackRecord.Guard, null, CancellationToken.None, reason, experiment);
            if (result.Applied)
            {
                metrics.RolledBack(model, experiment);
                GuardLog.RolledBack(logger, model, experiment, result.Revision);
            }
            else
            {
                GuardLog.RollbackRefused(logger, model, experiment, result.Error ?? "");
            }
        }
        catch (Exception ex)
        {
            GuardLog.RollbackFailed(logger, model, experiment, ex);
        }
    }
}
