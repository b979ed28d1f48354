using System.Text;
using Inference.Batch.Tables;

namespace Inference.Batch.Output;

/// <summary>
/// CSV output: the header, then per row the input's fields, each output (<c>name_0…name_k</c> for a fixed number of
/// values per row; a variable number as one field holding a JSON array), the model's name, version and SHA-256.
/// </summary>
internal sealed class CsvTableWriter(string path, OutputLayout layout) : TextTableWriter(path)
{
    private readonly StringBuilder _line = new();

    protected override void WriteHeader()
    {
        _line.Clear();
        var first = true;
        foreach (var name in layout.CsvHeader)
        {
            if (!first)
            {
                _line.Append(',');
            }

            CsvText.AppendField(_line, name);
            first = false;
        }

        _line.Append('\n');
        WriteUtf8(_line);
    }

    public override ValueTask WriteAsync(ScoredRun run, CancellationToken cancellationToken)
    {
        foreach (var segment in run.Segments)
        {
            for (var r = 0; r < segment.Rows; r++)
            {
                _line.Clear();
                run.Batch.PassThrough.WriteCsv(segment.FirstRow + r, _line);
                for (var o = 0; o < layout.Outputs.Count; o++)
                {
                    AppendOutput(layout.Outputs[o], segment.Outputs[o], r);
                }

                _line.Append(',');
                CsvText.AppendField(_line, layout.Model.Name);
                _line.Append(',');
                CsvText.AppendField(_line, segment.ModelVersion);
                _line.Append(',');
                CsvText.AppendField(_line, layout.Model.Sha256);
                _line.Append('\n');
                WriteUtf8(_line);
            }
        }

        return ValueTask.CompletedTask;
    }

    private readonly StringBuilder _value = new();

    private void AppendOutput(OutputColumn column, Tensors.OutputTensor tensor, int row)
    {
        if (column.RowElements is null)
        {
            // A variable number of values: one field with their JSON array.
            _line.Append(',');
            CsvText.AppendField(_line, JsonText.Array(tensor, row));
            return;
        }

        for (var i = 0; i < tensor.RowElements; i++)
        {
            _line.Append(',');
            if (tensor.Type != Tensors.ElementType.Bytes)
            {
                // Numbers and booleans never need quotes.
                tensor.AppendText(row, i, _line);
                continue;
            }

            _value.Clear();
            tensor.AppendText(row, i, _value);
            CsvText.AppendField(_line, _value.ToString());
        }
    }
}
