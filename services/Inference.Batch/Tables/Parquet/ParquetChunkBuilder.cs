using Inference.Batch.Output;
using Inference.Batch.Tensors;
using global::Parquet;
using global::Parquet.Schema;

namespace Inference.Batch.Tables.Parquet;

/// <summary>The rows of one chunk in Parquet columns: the row group a chunk becomes.</summary>
internal sealed class ParquetChunkBuilder
{
    private readonly ParquetColumnSink[] _inputs;
    private readonly ParquetColumnSink[] _outputs;
    private readonly ParquetColumnSink<ReadOnlyMemory<char>>[] _identity;
    private readonly OutputLayout _layout;

    public ParquetChunkBuilder(OutputLayout layout)
    {
        _layout = layout;
        var outputFields = layout.Outputs.Select(OutputField).ToList();
        var identityFields = layout.IdentityColumns
            .Select(n => new DataField<string>(n, false))
            .ToList();
        Schema = new ParquetSchema([.. layout.InputFields, .. outputFields, .. identityFields]);
        _inputs = layout.InputFields.Select(f => ParquetColumnSink.For(Leaf(f))).ToArray();
        _outputs = outputFields.Select(f => ParquetColumnSink.For(Leaf(f))).ToArray();
        _identity = identityFields.Select(f => (ParquetColumnSink<ReadOnlyMemory<char>>)ParquetColumnSink.For(f)).ToArray();
    }

    public ParquetSchema Schema { get; }

    public int Rows { get; private set; }

    /// <summary>The sink of input column <paramref name="column"/>, for readers that copy Parquet values as they are.</summary>
    public ParquetColumnSink Input(int column) => _inputs[column];

    /// <summary>A text value of an input column (CSV and JSON Lines input); null for a missing one.</summary>
    public void AddInputText(int column, string? value)
    {
        var sink = (ParquetColumnSink<ReadOnlyMemory<char>>)_inputs[column];
        if (value is null)
        {
            sink.AddNull();
        }
        else
        {
            sink.AddRowValue(value.AsMemory());
        }
    }

    /// <summary>Adds the model's answers and identity for row <paramref name="row"/> of <paramref name="segment"/>; the input fields are added first.</summary>
    public void AddScored(ScoredSegment segment, int row)
    {
        for (var o = 0; o < _outputs.Length; o++)
        {
            AddOutput(_outputs[o], segment.Outputs[o], row);
        }

        _identity[0].AddRowValue(_layout.Model.Name.AsMemory());
        _identity[1].AddRowValue(segment.ModelVersion.AsMemory());
        _identity[2].AddRowValue(_layout.Model.Sha256.AsMemory());
        Rows++;
    }

    public async Task WriteRowGroupAsync(ParquetWriter writer, CancellationToken cancellationToken)
    {
        using var group = writer.CreateRowGroup();
        foreach (var sink in _inputs.Concat(_outputs).Concat(_identity))
        {
            await sink.WriteAsync(group, cancellationToken);
        }

        group.CompleteValidate();
    }

    public void Clear()
    {
        foreach (var sink in _inputs.Concat(_outputs).Concat(_identity))
        {
            sink.Clear();
        }

        Rows = 0;
    }

    /// <summary>The Parquet field of an output: its element type, as a list when a row holds other than one value.</summary>
    private static Field OutputField(OutputColumn column)
    {
        var type = column.Type switch
        {
            ElementType.Bool => typeof(bool),
            ElementType.UInt8 => typeof(byte),
            ElementType.UInt16 => typeof(ushort),
            ElementType.UInt32 => typeof(uint),
            ElementType.UInt64 => typeof(ulong),
            ElementType.Int8 => typeof(sbyte),
            ElementType.Int16 => typeof(short),
            ElementType.Int32 => typeof(int),
            ElementType.Int64 => typeof(long),
            ElementType.Fp64 => typeof(double),
            ElementType.Bytes => typeof(string),
            _ => typeof(float),
        };
        return column.IsList
            ? new ListField(column.Name, new DataField(ListField.ElementName, type, isNullable: false))
            : new DataField(column.Name, type, isNullable: false);
    }

    private static DataField Leaf(Field field) => field switch
    {
        DataField data => data,
        ListField { Item: DataField item } => item,
        _ => throw new NotSupportedException($"column '{field.Name}' is neither a value nor a list of values"),
    };

    private static void AddOutput(ParquetColumnSink sink, OutputTensor tensor, int row)
    {
        var first = row * tensor.RowElements;
        var count = tensor.RowElements;
        switch (sink)
        {
            case ParquetColumnSink<float> floats:
                AddRange(floats, count, i => tensor.SingleAt(first + i));
                break;
            case ParquetColumnSink<double> doubles:
                AddRange(doubles, count, i => tensor.DoubleAt(first + i));
                break;
            case ParquetColumnSink<bool> flags:
                AddRange(flags, count, i => tensor.BoolAt(first + i));
                break;
            case ParquetColumnSink<ReadOnlyMemory<char>> strings:
                AddRange(strings, count, i => tensor.StringAt(first + i).AsMemory());
                break;
            case ParquetColumnSink<ulong> unsigned:
                AddRange(unsigned, count, i => tensor.UInt64At(first + i));
                break;
            case ParquetColumnSink<long> longs:
                AddRange(longs, count, i => tensor.Int64At(first + i));
                break;
            case ParquetColumnSink<int> ints:
                AddRange(ints, count, i => (int)tensor.Int64At(first + i));
                break;
            case ParquetColumnSink<uint> uints:
                AddRange(uints, count, i => (uint)tensor.Int64At(first + i));
                break;
            case ParquetColumnSink<short> shorts:
                AddRange(shorts, count, i => (short)tensor.Int64At(first + i));
                break;
            case ParquetColumnSink<ushort> ushorts:
                AddRange(ushorts, count, i => (ushort)tensor.Int64At(first + i));
                break;
            case ParquetColumnSink<sbyte> sbytes:
                AddRange(sbytes, count, i => (sbyte)tensor.Int64At(first + i));
                break;
            case ParquetColumnSink<byte> bytes:
                AddRange(bytes, count, i => (byte)tensor.Int64At(first + i));
                break;
            default:
                throw new NotSupportedException($"no Parquet column for output '{tensor.Name}' ({tensor.Type})");
        }
    }

    private static void AddRange<T>(ParquetColumnSink<T> sink, int count, Func<int, T> value)
        where T : struct
    {
        if (sink.Leaf.MaxRepetitionLevel == 0)
        {
            sink.AddRowValue(value(0));
            return;
        }

        for (var i = 0; i < count; i++)
        {
            sink.AddLevels(null, i == 0 ? 0 : sink.Leaf.MaxRepetitionLevel);
            sink.AddValue(value(i));
        }
    }
}
