using Inference.Engine.Requests;

namespace Inference.ModelServer.Tests.Unit;

public sealed class ClientTextTests
{
    [Theory]
    [InlineData("iris", "iris")]
    [InlineData("café-中文", "café-中文")]
    [InlineData("a\r\nb", @"a\r\nb")]
    [InlineData("nul\0end", @"nul\0end")]
    [InlineData("tab\tesc\u001b[31m", @"tab\tesc\u001b[31m")]
    [InlineData("del\u007fc1\u0085", @"del\u007fc1\u0085")]
    [InlineData("rtl\u202eoverride\u200bzero", @"rtl\u202eoverride\u200bzero")]
    [InlineData("line\u2028para\u2029", @"line\u2028para\u2029")]
    [InlineData(@"back\slash 'quoted'", @"back\\slash \'quoted\'")]
    [InlineData("", "")]
    public void Escape_LeavesPrintableTextAndEscapesTheRest(string value, string expected) =>
        Assert.Equal(expected, ClientText.Escape(value));

    [Fact]
    public void Escape_EscapesALoneSurrogate() =>
        Assert.Equal(@"lone\ud800surrogate", ClientText.Escape("lone" + (char)0xd800 + "surrogate"));

    [Fact]
    public void Escape_CutsLongTextAndSaysItsLength()
    {
        var name = new string('m', 8192);

        var escaped = ClientText.Escape(name);

        Assert.Equal(new string('m', ClientText.MaxLength) + "… (8192 characters)", escaped);
    }

    [Fact]
    public void Escape_BoundsTextThatEscapingWouldGrow()
    {
        var escaped = ClientText.Escape(new string('\n', 5000));

        Assert.True(escaped.Length < ClientText.MaxLength + 40, escaped);
        Assert.StartsWith(@"\n\n\n", escaped, StringComparison.Ordinal);
        Assert.EndsWith("… (5000 characters)", escaped, StringComparison.Ordinal);
    }

    [Fact]
    public void Escape_NeverSplitsASurrogatePair()
    {
        // 255 ASCII characters, then pairs: the cut falls after a whole pair.
        var value = new string('a', ClientText.MaxLength - 1) + string.Concat(Enumerable.Repeat("😀", 10));

        var escaped = ClientText.Escape(value);

        Assert.StartsWith(new string('a', ClientText.MaxLength - 1) + "😀…", escaped, StringComparison.Ordinal);
        Assert.DoesNotContain(escaped.Where((c, i) => char.IsHighSurrogate(c) && (i + 1 == escaped.Length || !char.IsLowSurrogate(escaped[i + 1]))), _ => true);
    }
}
