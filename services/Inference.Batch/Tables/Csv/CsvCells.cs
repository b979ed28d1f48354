using Inference.Batch.Tensors;
using nietras.SeparatedValues;

namespace Inference.Batch.Tables.Csv;

/// <summary>The fields of the CSV record being read.</summary>
internal readonly ref struct CsvCells(SepReader.Row row, CsvScratch scratch) : IRowCells
{
    private readonly SepReader.Row _row = row;

    public bool IsMissing(int column) => CsvText.IsMissing(_row[column].Span);

    public string? WriteScalar(int column, InputTensorBuffer target) =>
        target.AppendText(CsvText.Unescape(_row[column].Span, ref scratch.Chars));

    public string? WriteList(int column, InputTensorBuffer target) =>
        JsonLists.WriteText(CsvText.Unescape(_row[column].Span, ref scratch.Chars), target);
}
