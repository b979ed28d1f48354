using global::Parquet;
using global::Parquet.Schema;

namespace Inference.Batch.Tables.Parquet;

/// <summary>One column of the row group being written: defined values, and definition and repetition levels when the field has them.</summary>
internal abstract class ParquetColumnSink
{
    public static ParquetColumnSink For(DataField leaf) =>
        (ParquetColumnSink)Activator.CreateInstance(typeof(ParquetColumnSink<>).MakeGenericType(ParquetValues.StorageType(leaf.ClrType)), leaf)!;

    public abstract DataField Leaf { get; }

    public abstract void Clear();

    public abstract Task WriteAsync(ParquetRowGroupWriter group, CancellationToken cancellationToken);
}

internal sealed class ParquetColumnSink<T>(DataField leaf) : ParquetColumnSink
    where T : struct
{
    private readonly List<T> _values = [];
    private readonly List<int>? _definitions = leaf.MaxDefinitionLevel > 0 ? [] : null;
    private readonly List<int>? _repetitions = leaf.MaxRepetitionLevel > 0 ? [] : null;

    public override DataField Leaf => leaf;

    public void AddValue(T value) => _values.Add(value);

    public void AddLevels(int? definition, int? repetition)
    {
        if (_definitions is not null)
        {
            _definitions.Add(definition ?? leaf.MaxDefinitionLevel);
        }

        if (_repetitions is not null)
        {
            _repetitions.Add(repetition ?? 0);
        }
    }

    /// <summary>A defined value that is its row's only element (or a flat column's value).</summary>
    public void AddRowValue(T value)
    {
        AddLevels(null, 0);
        _values.Add(value);
    }

    /// <summary>A flat column's null.</summary>
    public void AddNull() => AddLevels(0, 0);

    /// <summary>A list of defined values as one row.</summary>
    public void AddList(ReadOnlySpan<T> values)
    {
        for (var i = 0; i < values.Length; i++)
        {
            AddLevels(null, i == 0 ? 0 : leaf.MaxRepetitionLevel);
            _values.Add(values[i]);
        }
    }

    public override void Clear()
    {
        _values.Clear();
        _definitions?.Clear();
        _repetitions?.Clear();
    }

    public override Task WriteAsync(ParquetRowGroupWriter group, CancellationToken cancellationToken) =>
        group.WriteAllPartsAsync<T>(
            leaf,
            _values.ToArray(),
            _definitions is null ? null : (ReadOnlyMemory<int>?)_definitions.ToArray(),
            _repetitions is null ? null : (ReadOnlyMemory<int>?)_repetitions.ToArray(),
            cancellationToken);
}
