using System.Text;
using Inference.Router.Http2.Hpack;

namespace Inference.Router.Tests.Http2;

public sealed class HpackHuffmanTests
{
    // (symbol, code, bits) rows of RFC 7541 Appendix B; the table is built from the lengths alone.
    [Theory]
    [InlineData(0, 0x1ff8u, 13)]
    [InlineData(10, 0x3ffffffcu, 30)]
    [InlineData(32, 0x14u, 6)]
    [InlineData(47, 0x18u, 6)]
    [InlineData(48, 0x0u, 5)]
    [InlineData(88, 0xfcu, 8)]
    [InlineData(97, 0x3u, 5)]
    [InlineData(127, 0xffffffcu, 28)]
    [InlineData(200, 0x3ffffe2u, 26)]
    [InlineData(255, 0x3ffffeeu, 26)]
    [InlineData(256, 0x3fffffffu, 30)]
    public void Code_IsTheRfcTableEntry(int symbol, uint code, int bits)
    {
        Assert.Equal(code, HpackHuffman.Code(symbol));
        Assert.Equal(bits, HpackHuffman.Length(symbol));
    }

    // Huffman-coded literals of RFC 7541 C.4 and C.6.
    [Theory]
    [InlineData("f1e3c2e5f23a6ba0ab90f4ff", "www.example.com")]
    [InlineData("a8eb10649cbf", "no-cache")]
    [InlineData("25a849e95ba97d7f", "custom-key")]
    [InlineData("25a849e95bb8e8b4bf", "custom-value")]
    [InlineData("6402", "302")]
    [InlineData("aec3771a4b", "private")]
    [InlineData("d07abe941054d444a8200595040b8166e082a62d1bff", "Mon, 21 Oct 2013 20:13:21 GMT")]
    [InlineData("9d29ad171863c78f0b97c8e9ae82ae43d3", "https://www.example.com")]
    [InlineData("640eff", "307")]
    public void DecodeAndEncode_MatchTheRfcExamples(string hex, string text)
    {
        var encoded = Convert.FromHexString(hex);
        var decoded = new byte[encoded.Length * 2];

        var length = HpackHuffman.Decode(encoded, decoded);

        Assert.Equal(text, Encoding.ASCII.GetString(decoded, 0, length));
        var reencoded = new byte[HpackHuffman.EncodedLength(Encoding.ASCII.GetBytes(text))];
        Assert.Equal(encoded.Length, HpackHuffman.Encode(Encoding.ASCII.GetBytes(text), reencoded));
        Assert.Equal(hex, Convert.ToHexString(reencoded).ToLowerInvariant());
    }

    [Fact]
    public void EveryByteValue_RoundTrips()
    {
        var random = new Random(7541);
        for (var round = 0; round < 200; round++)
        {
            var source = new byte[random.Next(0, 300)];
            random.NextBytes(source);
            if (round == 0)
            {
                source = Enumerable.Range(0, 256).Select(i => (byte)i).ToArray();
            }

            var encoded = new byte[HpackHuffman.EncodedLength(source)];
            var written = HpackHuffman.Encode(source, encoded);
            var decoded = new byte[(written * 8 / 5) + 1];
            var length = HpackHuffman.Decode(encoded.AsSpan(0, written), decoded);

            Assert.Equal(source, decoded.AsSpan(0, length).ToArray());
        }
    }

    [Theory]
    [InlineData("f1e3c2e5f23a6ba0ab90f4ffff", "padding longer than 7 bits")]
    [InlineData("18", "padding of zeros")] // 'a' (00011) followed by 000
    [InlineData("fffffffc", "EOS inside the string")]
    public void Decode_RejectsInvalidInput(string hex, string why)
    {
        var destination = new byte[64];

        var error = Assert.Throws<HpackException>(() => HpackHuffman.Decode(Convert.FromHexString(hex), destination));

        Assert.False(string.IsNullOrEmpty(error.Message), why);
    }
}
