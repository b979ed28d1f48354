using Grpc.Core;
using Inference.Contracts.Experiments;
using Inference.Router.Statistics;

namespace Inference.Router.Services;

/// <summary>
/// <c>inference.experiments.v1.Outcomes</c>: callers report what became of the answers they got. A batch is checked
/// whole before anything is counted, so a refused batch changes nothing; counting is a few atomic additions, no I/O.
/// </summary>
internal sealed class OutcomesService(ExperimentResults results) : Outcomes.OutcomesBase
{
    public override Task<RecordOutcomesResponse> Record(RecordOutcomesRequest request, ServerCallContext context)
    {
        var tallies = results.Current();
        var outcomes = request.Outcomes;
        var targets = new MetricTally[outcomes.Count];
        for (var i = 0; i < outcomes.Count; i++)
        {
            var target = OutcomeCheck.Resolve(tallies, outcomes[i], out var error);
            if (target is null)
            {
                results.CountRejected(tallies.ContainsKey(outcomes[i].Model) ? outcomes[i].Model : "");
                var where = outcomes.Count == 1 ? "" : $"outcomes[{i}]: ";
                throw new RpcException(new Status(StatusCode.InvalidArgument, $"{where}{error}; nothing of this request was recorded"));
            }

            targets[i] = target;
        }

        for (var i = 0; i < outcomes.Count; i++)
        {
            var outcome = outcomes[i];
            if (outcome.ValueCase == Outcome.ValueOneofCase.Success)
            {
                targets[i].AddSuccess(outcome.Success);
            }
            else
            {
                targets[i].AddNumber(outcome.Number);
            }
        }

        return Task.FromResult(new RecordOutcomesResponse { Accepted = outcomes.Count });
    }
}
