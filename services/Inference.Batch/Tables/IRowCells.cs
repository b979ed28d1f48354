using Inference.Batch.Tensors;

namespace Inference.Batch.Tables;

/// <summary>
/// The cells of the row being read, as the mapping to model inputs sees them; each reader implements it over its own
/// representation (a CSV record, a JSON object, Parquet column data).
/// </summary>
internal interface IRowCells
{
    /// <summary>Whether the cell is missing: an empty CSV field, a JSON null or absent field, a Parquet null.</summary>
    bool IsMissing(int column);

    /// <summary>Appends the cell as one element; returns why it cannot be one, or null.</summary>
    string? WriteScalar(int column, InputTensorBuffer target);

    /// <summary>Appends every element of a list cell (a Parquet list, a JSON array, a JSON array's text in CSV).</summary>
    string? WriteList(int column, InputTensorBuffer target);
}
