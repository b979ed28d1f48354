using Inference.Batch.Models;
using Inference.Batch.Tensors;

namespace Inference.Batch.Output;

/// <summary>
/// A model output as output rows carry it: <see cref="RowElements"/> values per row (null when the model does not fix
/// the count), written as one column when 1, as <c>name_0…name_k</c> in CSV or a list otherwise.
/// </summary>
internal sealed record OutputColumn(TensorSpec Spec, string Name, ElementType Type, int? RowElements)
{
    public bool IsList => RowElements != 1;

    /// <summary>The CSV header names of this output.</summary>
    public IEnumerable<string> CsvNames => RowElements is { } count and > 1
        ? Enumerable.Range(0, count).Select(i => $"{Name}_{i}")
        : [Name];
}
