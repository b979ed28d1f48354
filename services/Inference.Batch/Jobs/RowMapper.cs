using Inference.Batch.Models;
using Inference.Batch.Tables;
using Inference.Batch.Tensors;

namespace Inference.Batch.Jobs;

/// <summary>
/// Binds the model's inputs to the file's columns (checked before anything is scored) and writes each row's cells into
/// the Run's input buffers, all of a row or none of it.
/// </summary>
internal sealed class RowMapper
{
    private RowMapper(IReadOnlyList<InputBinding> bindings) => Bindings = bindings;

    public IReadOnlyList<InputBinding> Bindings { get; }

    /// <summary>
    /// Binds every model input: by <paramref name="mappings"/>, else the column of the input's name (a list column
    /// when a row needs several values), else the columns <c>name_0</c> … <c>name_k</c>. Throws
    /// <see cref="JobException"/> naming what is missing.
    /// </summary>
    public static RowMapper Bind(ModelDescription model, IReadOnlyList<string> columns, IReadOnlyList<InputMapping> mappings)
    {
        foreach (var mapping in mappings)
        {
            if (!model.Inputs.Any(i => i.Name == mapping.Input))
            {
                throw new JobException($"--map names input '{mapping.Input}', which the model does not have (inputs: {string.Join(", ", model.Inputs)})");
            }
        }

        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < columns.Count; i++)
        {
            index.TryAdd(columns[i], i);
        }

        int Column(string name, TensorSpec input) => index.TryGetValue(name, out var at)
            ? at
            : throw new JobException($"input '{input.Name}' is mapped to column '{name}', which the file does not have (columns: {Shown(columns)})");

        var bindings = new List<InputBinding>();
        foreach (var input in model.Inputs)
        {
            if (!input.IsBatched && input.ElementsPerRow is null)
            {
                throw new JobException($"input {input} has a dynamic dimension but no dynamic batch dimension: its rows cannot be told apart");
            }

            var perRow = input.ElementsPerRow;
            var mapping = mappings.FirstOrDefault(m => m.Input == input.Name);
            List<int> chosen;
            if (mapping is { IsRange: true })
            {
                var (first, last) = (Column(mapping.Columns[0], input), Column(mapping.Columns[1], input));
                if (last < first)
                {
                    throw new JobException($"--map {mapping}: column '{mapping.Columns[1]}' comes before '{mapping.Columns[0]}' in the file");
                }

                chosen = Enumerable.Range(first, last - first + 1).ToList();
            }
            else if (mapping is not null)
            {
                chosen = mapping.Columns.Select(c => Column(c, input)).ToList();
            }
            else if (index.TryGetValue(input.Name, out var named))
            {
                chosen = [named];
            }
            else if (perRow is > 1 && Enumerable.Range(0, (int)perRow.Value).All(k => index.ContainsKey($"{input.Name}_{k}")))
            {
                chosen = Enumerable.Range(0, (int)perRow.Value).Select(k => index[$"{input.Name}_{k}"]).ToList();
            }
            else
            {
                throw new JobException(
                    $"the file has no column for model input {input}: name a column '{input.Name}'"
                    + (perRow is > 1 ? $" (a list of {perRow} values) or columns {input.Name}_0..{input.Name}_{perRow - 1}" : "")
                    + $", or map it with --map {input.Name}=<column>[+<column>…] (columns: {Shown(columns)})");
            }

            // One column for an input that takes several values per row is a list column; several columns give one value each.
            var fromList = chosen.Count == 1 && perRow != 1;
            if (!fromList && perRow is { } count && chosen.Count != count)
            {
                throw new JobException($"input {input} takes {count} values per row; {chosen.Count} columns are mapped to it");
            }

            var dynamicDimensions = (input.IsBatched ? input.Shape.Skip(1) : input.Shape).Count(d => d < 0);
            if (!fromList && perRow is null && dynamicDimensions > 1)
            {
                throw new JobException($"input {input} has several dynamic dimensions; a list of columns cannot size them");
            }

            bindings.Add(new InputBinding(input, chosen, chosen.Select(c => columns[c]).ToList(), fromList));
        }

        return new RowMapper(bindings);
    }

    /// <summary>The columns some input reads.</summary>
    public IEnumerable<int> MappedColumns => Bindings.SelectMany(b => b.Columns).Distinct();

    /// <summary>Writes one row into <paramref name="buffers"/> (one per input, in model order); returns why not, leaving them unchanged.</summary>
    public string? TryWriteRow<TCells>(ref TCells cells, IReadOnlyList<InputTensorBuffer> buffers)
        where TCells : IRowCells, allows ref struct
    {
        for (var i = 0; i < Bindings.Count; i++)
        {
            var binding = Bindings[i];
            var buffer = buffers[i];
            string? reason = null;
            for (var c = 0; c < binding.Columns.Count && reason is null; c++)
            {
                var column = binding.Columns[c];
                if (cells.IsMissing(column))
                {
                    reason = $"column '{binding.ColumnNames[c]}' (input '{binding.Input.Name}') is missing";
                }
                else if ((binding.FromList ? cells.WriteList(column, buffer) : cells.WriteScalar(column, buffer)) is { } failure)
                {
                    reason = $"column '{binding.ColumnNames[c]}': {failure}";
                }
            }

            reason ??= buffer.EndRow();
            if (reason is not null)
            {
                buffer.RewindRow();
                for (var j = 0; j < i; j++)
                {
                    buffers[j].DropLastRow();
                }

                return reason;
            }
        }

        return null;
    }

    private static string Shown(IReadOnlyList<string> columns) =>
        columns.Count <= 12 ? string.Join(", ", columns) : string.Join(", ", columns.Take(12)) + $", … ({columns.Count} in all)";
}
