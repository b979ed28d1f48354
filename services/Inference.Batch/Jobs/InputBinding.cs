using Inference.Batch.Models;

namespace Inference.Batch.Jobs;

/// <summary>Where one model input's values come from: one element per column, or every element from one list column.</summary>
internal sealed record InputBinding(TensorSpec Input, IReadOnlyList<int> Columns, IReadOnlyList<string> ColumnNames, bool FromList)
{
    public override string ToString() =>
        $"{Input.Name} <- {(FromList ? $"list column '{ColumnNames[0]}'" : string.Join(", ", ColumnNames.Select(c => $"'{c}'")))}";
}
