using System.Text;
using Inference.Router.Http2.Hpack;

namespace Inference.Router.Tests.Http2;

/// <summary>The header block examples of RFC 7541 Appendix C, decoded in sequence on one decoder.</summary>
public sealed class HpackDecoderTests
{
    private static readonly (string, string)[] Request1 = [(":method", "GET"), (":scheme", "http"), (":path", "/"), (":authority", "www.example.com")];
    private static readonly (string, string)[] Request2 = [.. Request1, ("cache-control", "no-cache")];
    private static readonly (string, string)[] Request3 =
        [(":method", "GET"), (":scheme", "https"), (":path", "/index.html"), (":authority", "www.example.com"), ("custom-key", "custom-value")];

    private static readonly (string, string)[] Response1 =
        [(":status", "302"), ("cache-control", "private"), ("date", "Mon, 21 Oct 2013 20:13:21 GMT"), ("location", "https://www.example.com")];
    private static readonly (string, string)[] Response2 =
        [(":status", "307"), ("cache-control", "private"), ("date", "Mon, 21 Oct 2013 20:13:21 GMT"), ("location", "https://www.example.com")];
    private static readonly (string, string)[] Response3 =
    [
        (":status", "200"), ("cache-control", "private"), ("date", "Mon, 21 Oct 2013 20:13:22 GMT"), ("location", "https://www.example.com"),
        ("content-encoding", "gzip"), ("set-cookie", "foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1"),
    ];

    [Fact]
    public void RequestsWithoutHuffman_C3_DecodeAndGrowTheTable()
    {
        var decoder = new HpackDecoder();

        AssertBlock(decoder, "828684410f7777772e6578616d706c652e636f6d", Request1, 57, [(":authority", "www.example.com")]);
        AssertBlock(decoder, "828684be58086e6f2d6361636865", Request2, 110, [("cache-control", "no-cache"), (":authority", "www.example.com")]);
        AssertBlock(decoder, "828785bf400a637573746f6d2d6b65790c637573746f6d2d76616c7565", Request3, 164,
            [("custom-key", "custom-value"), ("cache-control", "no-cache"), (":authority", "www.example.com")]);
    }

    [Fact]
    public void RequestsWithHuffman_C4_DecodeAndGrowTheTable()
    {
        var decoder = new HpackDecoder();

        AssertBlock(decoder, "828684418cf1e3c2e5f23a6ba0ab90f4ff", Request1, 57, [(":authority", "www.example.com")]);
        AssertBlock(decoder, "828684be5886a8eb10649cbf", Request2, 110, [("cache-control", "no-cache"), (":authority", "www.example.com")]);
        AssertBlock(decoder, "828785bf408825a849e95ba97d7f8925a849e95bb8e8b4bf", Request3, 164,
            [("custom-key", "custom-value"), ("cache-control", "no-cache"), (":authority", "www.example.com")]);
    }

    [Fact]
    public void ResponsesWithoutHuffman_C5_EvictOldestEntries()
    {
        var decoder = new HpackDecoder(maxTableSize: 256);
        decoder.Table.Resize(256);

        AssertBlock(decoder,
            "4803333032580770726976617465611d4d6f6e2c203231204f637420323031332032303a31333a323120474d546e1768747470733a2f2f7777772e6578616d706c652e636f6d",
            Response1, 222,
            [("location", "https://www.example.com"), ("date", "Mon, 21 Oct 2013 20:13:21 GMT"), ("cache-control", "private"), (":status", "302")]);
        AssertBlock(decoder, "4803333037c1c0bf", Response2, 222,
            [(":status", "307"), ("location", "https://www.example.com"), ("date", "Mon, 21 Oct 2013 20:13:21 GMT"), ("cache-control", "private")]);
        AssertBlock(decoder,
            "88c1611d4d6f6e2c203231204f637420323031332032303a31333a323220474d54c05a04677a69707738666f6f3d4153444a4b48514b425a584f5157454f50495541585157454f49553b206d61782d6167653d333630303b2076657273696f6e3d31",
            Response3, 215,
            [("set-cookie", "foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1"), ("content-encoding", "gzip"), ("date", "Mon, 21 Oct 2013 20:13:22 GMT")]);
    }

    [Fact]
    public void ResponsesWithHuffman_C6_EvictOldestEntries()
    {
        var decoder = new HpackDecoder(maxTableSize: 256);
        decoder.Table.Resize(256);

        AssertBlock(decoder,
            "488264025885aec3771a4b6196d07abe941054d444a8200595040b8166e082a62d1bff6e919d29ad171863c78f0b97c8e9ae82ae43d3",
            Response1, 222,
            [("location", "https://www.example.com"), ("date", "Mon, 21 Oct 2013 20:13:21 GMT"), ("cache-control", "private"), (":status", "302")]);
        AssertBlock(decoder, "4883640effc1c0bf", Response2, 222,
            [(":status", "307"), ("location", "https://www.example.com"), ("date", "Mon, 21 Oct 2013 20:13:21 GMT"), ("cache-control", "private")]);
        AssertBlock(decoder,
            "88c16196d07abe941054d444a8200595040b8166e084a62d1bffc05a839bd9ab77ad94e7821dd7f2e6c7b335dfdfcd5b3960d5af27087f3672c1ab270fb5291f9587316065c003ed4ee5b1063d5007",
            Response3, 215,
            [("set-cookie", "foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1"), ("content-encoding", "gzip"), ("date", "Mon, 21 Oct 2013 20:13:22 GMT")]);
    }

    [Fact]
    public void LiteralForms_C2_IndexOnlyWhenAsked()
    {
        var decoder = new HpackDecoder();

        AssertBlock(decoder, "400a637573746f6d2d6b65790d637573746f6d2d686561646572", [("custom-key", "custom-header")], 55, [("custom-key", "custom-header")]);
        AssertBlock(decoder, "040c2f73616d706c652f70617468", [(":path", "/sample/path")], 55, [("custom-key", "custom-header")]);
        AssertBlock(decoder, "100870617373776f726406736563726574", [("password", "secret")], 55, [("custom-key", "custom-header")]);
        AssertBlock(decoder, "82", [(":method", "GET")], 55, [("custom-key", "custom-header")]);
    }

    [Fact]
    public void SizeUpdate_ToZero_EmptiesTheTable_AndAnEntryLargerThanTheTableIsNotAdded()
    {
        var decoder = new HpackDecoder();
        Decode(decoder, "400a637573746f6d2d6b65790d637573746f6d2d686561646572");
        Assert.Equal(1, decoder.Table.Count);

        Decode(decoder, "20");
        Assert.Equal(0, decoder.Table.Count);
        Assert.Equal(0, decoder.Table.Size);

        // Back to 40 bytes: "custom-key: custom-header" needs 55 and empties the table instead.
        Decode(decoder, "3f09");
        Assert.Equal(40, decoder.Table.MaxSize);
        var fields = Decode(decoder, "400a637573746f6d2d6b65790d637573746f6d2d686561646572");
        Assert.Equal([("custom-key", "custom-header")], fields);
        Assert.Equal(0, decoder.Table.Count);
    }

    [Theory]
    [InlineData("3fe21f", "a size update above SETTINGS_HEADER_TABLE_SIZE")]
    [InlineData("8220", "a size update after a field")]
    [InlineData("be", "an index past the dynamic table")]
    [InlineData("80", "index 0")]
    [InlineData("ff8080808008", "an integer beyond 31 bits")]
    [InlineData("4005616263", "a string past the end of the block")]
    [InlineData("008118", "a bad Huffman string (zero padding)")]
    public void Decode_RejectsMalformedBlocks(string hex, string why)
    {
        var decoder = new HpackDecoder();

        Assert.Throws<HpackException>(() => Decode(decoder, hex));
        Assert.False(string.IsNullOrEmpty(why));
    }

    [Fact]
    public void HeaderList_LargerThanTheLimit_IsRejected_HoweverSmallTheBlock()
    {
        // One 4000-byte field added to the table, then repeated by one-byte references to it.
        var literal = "40" + "01" + "78" + "7f" + "a11e" + Convert.ToHexString(Enumerable.Repeat((byte)'v', 4000).ToArray());
        var decoder = new HpackDecoder(maxTableSize: 8192, maxHeaderListSize: 64 * 1024);

        Assert.Equal(11, Decode(decoder, literal + string.Concat(Enumerable.Repeat("be", 10))).Count);
        var error = Assert.Throws<HpackException>(() => Decode(decoder, string.Concat(Enumerable.Repeat("be", 100))));
        Assert.Contains("header list", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(10, 5, "0a")]
    [InlineData(1337, 5, "1f9a0a")]
    [InlineData(42, 8, "2a")]
    public void Integers_C1_EncodeAndDecode(int value, int prefix, string hex)
    {
        var buffer = new byte[8];

        var written = HpackEncoder.WriteInteger(value, prefix, 0, buffer);
        var position = 0;
        var read = HpackDecoder.ReadInteger(buffer.AsSpan(0, written), ref position, prefix);

        Assert.Equal(hex, Convert.ToHexString(buffer, 0, written).ToLowerInvariant());
        Assert.Equal(value, read);
        Assert.Equal(written, position);
    }

    [Fact]
    public void Encoder_Output_DecodesToTheSameFields_WithLowercaseNames()
    {
        var buffer = new byte[512];
        var written = HpackEncoder.WriteIndexed(HpackStaticTable.IndexOf(":method", "POST"), buffer);
        written += HpackEncoder.WriteField(HpackStaticTable.IndexOfName("Content-Type"), "Content-Type", "application/grpc", buffer.AsSpan(written));
        written += HpackEncoder.WriteField(0, "X-User-Id", "user-7", buffer.AsSpan(written));
        written += HpackEncoder.WriteField(0, "x-long", new string('v', 300), buffer.AsSpan(written));

        var decoder = new HpackDecoder();
        var fields = Decode(decoder, Convert.ToHexString(buffer, 0, written));

        Assert.Equal([(":method", "POST"), ("content-type", "application/grpc"), ("x-user-id", "user-7"), ("x-long", new string('v', 300))], fields);
        Assert.Equal(0, decoder.Table.Count);
    }

    private static void AssertBlock(HpackDecoder decoder, string hex, (string, string)[] expected, int tableSize, (string, string)[] table)
    {
        var fields = Decode(decoder, hex);

        Assert.Equal(expected, fields);
        Assert.Equal(tableSize, decoder.Table.Size);
        Assert.Equal(table.Length, decoder.Table.Count);
        for (var i = 0; i < table.Length; i++)
        {
            var (name, value) = decoder.Table[i + 1];
            Assert.Equal(table[i], (Encoding.ASCII.GetString(name), Encoding.ASCII.GetString(value)));
        }
    }

    private static List<(string, string)> Decode(HpackDecoder decoder, string hex)
    {
        var sink = new Sink();
        decoder.Decode(Convert.FromHexString(hex), sink);
        return sink.Fields;
    }

    private sealed class Sink : IHeaderSink
    {
        public List<(string, string)> Fields { get; } = [];

        public void OnHeader(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value, int staticIndex) =>
            Fields.Add((Encoding.ASCII.GetString(name), Encoding.ASCII.GetString(value)));
    }
}
