using Inference.Batch.Jobs;
using Inference.Batch.Models;
using Inference.Batch.Tensors;
using Parquet.Schema;

namespace Inference.Batch.Output;

/// <summary>
/// The columns of an output row: the input's columns, then the model's outputs (in model order), then the model's
/// name, version and file SHA-256 (output and identity names take <c>--output-prefix</c>).
/// </summary>
internal sealed class OutputLayout
{
    public const string ModelNameColumn = "model_name";
    public const string ModelVersionColumn = "model_version";
    public const string ModelSha256Column = "model_sha256";

    public OutputLayout(IReadOnlyList<string> inputColumns, IReadOnlyList<Field> inputFields, ModelDescription model, string prefix)
    {
        InputColumns = inputColumns;
        InputFields = inputFields;
        Model = model;
        Outputs = model.Outputs
            .Select(o => new OutputColumn(o, prefix + o.Name, ElementTypes.Parse(o.Datatype), o.ElementsPerRow is { } n ? (int)n : null))
            .ToList();
        IdentityColumns = [prefix + ModelNameColumn, prefix + ModelVersionColumn, prefix + ModelSha256Column];
        var taken = new HashSet<string>(inputColumns, StringComparer.Ordinal);
        foreach (var name in Outputs.SelectMany(o => o.CsvNames.Append(o.Name)).Distinct().Concat(IdentityColumns))
        {
            if (taken.Contains(name))
            {
                throw new JobException($"the input already has a column '{name}', which the output adds; rename it, or prefix the output columns with --output-prefix");
            }
        }
    }

    public IReadOnlyList<string> InputColumns { get; }

    /// <summary>The Parquet fields of the input columns (string columns for CSV and JSON Lines input).</summary>
    public IReadOnlyList<Field> InputFields { get; }

    public ModelDescription Model { get; }

    public IReadOnlyList<OutputColumn> Outputs { get; }

    /// <summary>The names of the model name, version and SHA-256 columns (prefixed like the outputs).</summary>
    public IReadOnlyList<string> IdentityColumns { get; }

    public IEnumerable<string> CsvHeader => InputColumns.Concat(Outputs.SelectMany(o => o.CsvNames)).Concat(IdentityColumns);
}
