using Google.Protobuf;
using Inference.Batch.Models;
using Inference.Batch.Tables;
using Inference.Contracts.Oip;

namespace Inference.Batch.Scoring;

/// <summary>The ModelInferRequest of batch rows [first, first + count): raw contents, the version pinned.</summary>
internal static class RunRequests
{
    public static ModelInferRequest Create(ModelDescription model, RowBatch batch, int first, int count)
    {
        var request = new ModelInferRequest { ModelName = model.Name, ModelVersion = model.Version };
        foreach (var input in batch.Inputs)
        {
            var tensor = new ModelInferRequest.Types.InferInputTensor { Name = input.Spec.Name, Datatype = input.Spec.Datatype };
            if (input.Spec.IsBatched)
            {
                tensor.Shape.Add(count);
                var perRow = input.RowElements ?? 0;
                var trailing = input.Spec.Shape.Skip(1).ToArray();
                // The one dynamic dimension past the batch takes what the rows hold.
                var known = trailing.Where(d => d >= 0).Aggregate(1L, (a, d) => a * d);
                tensor.Shape.AddRange(trailing.Select(d => d >= 0 ? d : (known == 0 ? 0 : perRow / known)));
            }
            else
            {
                tensor.Shape.AddRange(input.Spec.Shape);
            }

            request.Inputs.Add(tensor);
            // The buffer outlives the call; wrapping it saves copying every Run's inputs.
            request.RawInputContents.Add(UnsafeByteOperations.UnsafeWrap(input.RowContents(first, count)));
        }

        return request;
    }
}
