using Inference.Batch.Tensors;

namespace Inference.Batch.Tables.Parquet;

/// <summary>The cells of row <see cref="Row"/> of the row group being read.</summary>
internal sealed class ParquetCells(ParquetColumnData[] columns) : IRowCells
{
    public int Row { get; set; }

    public bool IsMissing(int column) => columns[column].IsMissing(Row);

    public string? WriteScalar(int column, InputTensorBuffer target) => columns[column].WriteScalar(Row, target);

    public string? WriteList(int column, InputTensorBuffer target) => columns[column].WriteList(Row, target);
}
