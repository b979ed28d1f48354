namespace Inference.Batch.Jobs;

/// <summary>
/// One <c>--map</c> entry: a model input from one column (<c>input=col</c>), from several columns in order
/// (<c>input=a+b+c</c>), or from every column between two, in file order (<c>input=first..last</c>).
/// </summary>
internal sealed record InputMapping(string Input, IReadOnlyList<string> Columns, bool IsRange)
{
    public static InputMapping Parse(string text)
    {
        var equals = text.IndexOf('=');
        if (equals <= 0 || equals == text.Length - 1)
        {
            throw new FormatException($"--map takes <input>=<column>, <input>=<a>+<b>… or <input>=<first>..<last>, not '{text}'");
        }

        var input = text[..equals];
        var source = text[(equals + 1)..];
        var range = source.IndexOf("..", StringComparison.Ordinal);
        if (range > 0 && range < source.Length - 2)
        {
            return new InputMapping(input, [source[..range], source[(range + 2)..]], IsRange: true);
        }

        var columns = source.Split('+');
        if (columns.Any(c => c.Length == 0))
        {
            throw new FormatException($"--map '{text}' names an empty column");
        }

        return new InputMapping(input, columns, IsRange: false);
    }

    public override string ToString() => $"{Input}={(IsRange ? $"{Columns[0]}..{Columns[1]}" : string.Join('+', Columns))}";
}
