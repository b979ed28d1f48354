using System.Text;
using System.Text.Json;
using Inference.Batch.Tensors;
using global::Parquet;
using global::Parquet.Schema;

namespace Inference.Batch.Tables.Parquet;

/// <summary>
/// One column of one row group as Parquet stores it: the defined values, and definition and repetition levels, so
/// that a row is copied to a Parquet output exactly (nulls, empty lists and all), and read as a value or a list.
/// </summary>
internal abstract class ParquetColumnData
{
    /// <summary>Reads <paramref name="leaf"/> (the column's data field) from <paramref name="group"/>.</summary>
    public static async ValueTask<ParquetColumnData> ReadAsync(ParquetRowGroupReader group, DataField leaf, bool isList, CancellationToken cancellationToken)
    {
        var type = typeof(ParquetColumnData<>).MakeGenericType(ParquetValues.StorageType(leaf.ClrType));
        var data = (ParquetColumnData)Activator.CreateInstance(type, leaf, isList)!;
        await data.LoadAsync(group, cancellationToken);
        return data;
    }

    public abstract bool IsMissing(int row);

    public abstract string? WriteScalar(int row, InputTensorBuffer target);

    public abstract string? WriteList(int row, InputTensorBuffer target);

    public abstract void AppendText(int row, StringBuilder text);

    public abstract void WriteJson(int row, Utf8JsonWriter json);

    /// <summary>Appends row <paramref name="row"/>'s values and levels to <paramref name="sink"/> (a sink of the same type).</summary>
    public abstract void CopyRow(int row, ParquetColumnSink sink);

    protected abstract ValueTask LoadAsync(ParquetRowGroupReader group, CancellationToken cancellationToken);
}

internal sealed class ParquetColumnData<T> : ParquetColumnData
    where T : struct
{
    private readonly DataField _leaf;
    private readonly bool _isList;
    private T[] _values = [];
    private int[]? _definitions;
    private int[]? _repetitions;
    // Row r spans levels [_levelStarts[r], _levelStarts[r + 1]) and values [_valueStarts[r], _valueStarts[r + 1]).
    private int[] _levelStarts = [];
    private int[] _valueStarts = [];

    public ParquetColumnData(DataField leaf, bool isList)
    {
        _leaf = leaf;
        _isList = isList;
    }

    public override bool IsMissing(int row)
    {
        if (_definitions is null)
        {
            return false;
        }

        // Missing: a null value, or a null list (fewer levels defined than an empty list has).
        var level = _definitions[_levelStarts[row]];
        return _isList ? ValueCount(row) == 0 && level < EmptyListLevel : level < _leaf.MaxDefinitionLevel;
    }

    public override string? WriteScalar(int row, InputTensorBuffer target)
    {
        if (_isList)
        {
            return "the column holds lists, the input takes one value from it";
        }

        return ParquetValues.Write(_values[_valueStarts[row]], target);
    }

    public override string? WriteList(int row, InputTensorBuffer target)
    {
        if (!_isList)
        {
            return "the column holds single values, the input takes a list from it";
        }

        if (LevelCount(row) != ValueCount(row) && !(ValueCount(row) == 0 && LevelCount(row) == 1))
        {
            return "the list has null elements";
        }

        for (var i = _valueStarts[row]; i < _valueStarts[row + 1]; i++)
        {
            if (ParquetValues.Write(_values[i], target) is { } failure)
            {
                return failure;
            }
        }

        return null;
    }

    public override void AppendText(int row, StringBuilder text)
    {
        if (IsMissing(row))
        {
            return;
        }

        if (!_isList)
        {
            ParquetValues.AppendText(_values[_valueStarts[row]], text);
            return;
        }

        // A list in a CSV field is its JSON text, which the reader takes back as a list.
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            WriteJson(row, json);
        }

        text.Append(Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length));
    }

    public override void WriteJson(int row, Utf8JsonWriter json)
    {
        if (IsMissing(row))
        {
            json.WriteNullValue();
            return;
        }

        if (!_isList)
        {
            ParquetValues.WriteJson(_values[_valueStarts[row]], json);
            return;
        }

        json.WriteStartArray();
        var value = _valueStarts[row];
        for (var level = _levelStarts[row]; level < _levelStarts[row + 1]; level++)
        {
            var definition = _definitions?[level] ?? _leaf.MaxDefinitionLevel;
            if (definition == _leaf.MaxDefinitionLevel)
            {
                ParquetValues.WriteJson(_values[value++], json);
            }
            else if (_leaf.IsNullable && definition == _leaf.MaxDefinitionLevel - 1)
            {
                json.WriteNullValue();
            }
        }

        json.WriteEndArray();
    }

    public override void CopyRow(int row, ParquetColumnSink sink)
    {
        var typed = (ParquetColumnSink<T>)sink;
        for (var level = _levelStarts[row]; level < _levelStarts[row + 1]; level++)
        {
            typed.AddLevels(_definitions?[level], _repetitions?[level]);
        }

        for (var i = _valueStarts[row]; i < _valueStarts[row + 1]; i++)
        {
            typed.AddValue(_values[i]);
        }
    }

    protected override async ValueTask LoadAsync(ParquetRowGroupReader group, CancellationToken cancellationToken)
    {
        var rows = (int)group.RowCount;
        var levels = (int)(group.GetMetadata(_leaf)?.MetaData?.NumValues ?? rows);
        _values = new T[levels];
        _definitions = _leaf.MaxDefinitionLevel > 0 ? new int[levels] : null;
        _repetitions = _leaf.MaxRepetitionLevel > 0 ? new int[levels] : null;
        await group.ReadRawAsync(_leaf, _values.AsMemory(), _definitions?.AsMemory(), _repetitions?.AsMemory(), cancellationToken);

        _levelStarts = new int[rows + 1];
        _valueStarts = new int[rows + 1];
        int row = -1, values = 0;
        for (var level = 0; level < levels; level++)
        {
            if (_repetitions is null || _repetitions[level] == 0)
            {
                row++;
                _levelStarts[row] = level;
                _valueStarts[row] = values;
            }

            if (_definitions is null || _definitions[level] == _leaf.MaxDefinitionLevel)
            {
                values++;
            }
        }

        _levelStarts[rows] = levels;
        _valueStarts[rows] = values;
    }

    /// <summary>The definition level of an empty (non-null) list: below it the list itself is null.</summary>
    private int EmptyListLevel => _leaf.MaxDefinitionLevel - 1 - (_leaf.IsNullable ? 1 : 0);

    private int ValueCount(int row) => _valueStarts[row + 1] - _valueStarts[row];

    private int LevelCount(int row) => _levelStarts[row + 1] - _levelStarts[row];
}
