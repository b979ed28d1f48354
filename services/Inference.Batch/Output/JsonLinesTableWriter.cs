using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Inference.Batch.Output;

/// <summary>
/// JSON Lines output: one object per row with the input's fields, each output (a number, string or boolean for one
/// value per row, an array otherwise) and the model's name, version and SHA-256.
/// </summary>
internal sealed class JsonLinesTableWriter : TextTableWriter
{
    private readonly OutputLayout _layout;
    private readonly ArrayBufferWriter<byte> _buffer = new(4096);
    private readonly Utf8JsonWriter _json;
    private readonly JsonEncodedText[] _outputNames;
    private readonly JsonEncodedText[] _identityNames;

    public JsonLinesTableWriter(string path, OutputLayout layout)
        : base(path)
    {
        _layout = layout;
        // Strings are written as they are (no \u escapes for non-ASCII or HTML characters): this is a data file, not a page.
        _json = new Utf8JsonWriter(_buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, SkipValidation = true });
        _outputNames = layout.Outputs.Select(o => JsonEncodedText.Encode(o.Name)).ToArray();
        _identityNames = layout.IdentityColumns.Select(c => JsonEncodedText.Encode(c)).ToArray();
    }

    public override ValueTask WriteAsync(ScoredRun run, CancellationToken cancellationToken)
    {
        foreach (var segment in run.Segments)
        {
            for (var r = 0; r < segment.Rows; r++)
            {
                _buffer.ResetWrittenCount();
                _json.Reset(_buffer);
                _json.WriteStartObject();
                run.Batch.PassThrough.WriteJson(segment.FirstRow + r, _json);
                for (var o = 0; o < _layout.Outputs.Count; o++)
                {
                    var tensor = segment.Outputs[o];
                    _json.WritePropertyName(_outputNames[o]);
                    if (_layout.Outputs[o].IsList)
                    {
                        _json.WriteStartArray();
                        for (var i = 0; i < tensor.RowElements; i++)
                        {
                            tensor.WriteJson(r, i, _json);
                        }

                        _json.WriteEndArray();
                    }
                    else
                    {
                        tensor.WriteJson(r, 0, _json);
                    }
                }

                _json.WriteString(_identityNames[0], _layout.Model.Name);
                _json.WriteString(_identityNames[1], segment.ModelVersion);
                _json.WriteString(_identityNames[2], _layout.Model.Sha256);
                _json.WriteEndObject();
                _json.Flush();
                Stream.Write(_buffer.WrittenSpan);
                Stream.WriteByte((byte)'\n');
            }
        }

        return ValueTask.CompletedTask;
    }
}
