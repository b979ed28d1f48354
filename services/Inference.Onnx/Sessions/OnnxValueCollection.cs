using System.Collections;

namespace Inference.Onnx;

/// <summary>Named values returned by a run; disposing the collection disposes every value.</summary>
public sealed class OnnxValueCollection : IReadOnlyList<OnnxValue>, IDisposable
{
    private readonly string[] _names;
    private readonly OnnxValue[] _values;

    internal OnnxValueCollection(string[] names, OnnxValue[] values)
    {
        _names = names;
        _values = values;
    }

    public int Count => _values.Length;

    /// <summary>Names of the values, in order.</summary>
    public IReadOnlyList<string> Names => _names;

    public OnnxValue this[int index] => _values[index];

    /// <summary>The value named <paramref name="name"/>.</summary>
    public OnnxValue this[string name]
    {
        get
        {
            var index = Array.IndexOf(_names, name);
            if (index < 0)
            {
                throw new KeyNotFoundException($"No output named '{name}'.");
            }

            return _values[index];
        }
    }

    public IEnumerator<OnnxValue> GetEnumerator() => ((IEnumerable<OnnxValue>)_values).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    public void Dispose()
    {
        foreach (var value in _values)
        {
            value.Dispose();
        }
    }
}
