using System.Buffers;
using Inference.Router.Http2.Hpack;

namespace Inference.Router.Http2;

/// <summary>Encodes a request's header block: pseudo-headers, then its and its content's headers.</summary>
internal static class Http2RequestEncoder
{
    private static readonly int MethodPost = HpackStaticTable.IndexOf(":method", "POST");
    private static readonly int MethodGet = HpackStaticTable.IndexOf(":method", "GET");
    private static readonly int SchemeHttp = HpackStaticTable.IndexOf(":scheme", "http");
    private static readonly int PathRoot = HpackStaticTable.IndexOf(":path", "/");
    private static readonly int MethodName = HpackStaticTable.IndexOfName(":method");
    private static readonly int PathName = HpackStaticTable.IndexOfName(":path");
    private static readonly int AuthorityName = HpackStaticTable.IndexOfName(":authority");

    /// <summary>Fills the stream's (pooled) header block.</summary>
    public static void Encode(HttpRequestMessage request, string path, string defaultAuthority, Http2Stream stream)
    {
        var authority = defaultAuthority;
        if (request.Headers.NonValidated.TryGetValues("Host", out var host))
        {
            foreach (var value in host)
            {
                authority = value;
                break;
            }
        }

        var method = request.Method.Method;
        var size = 64 + method.Length + path.Length + authority.Length;
        foreach (var header in request.Headers.NonValidated)
        {
            foreach (var value in header.Value)
            {
                size += HpackEncoder.MaxFieldLength(header.Key.Length, value.Length);
            }
        }

        if (request.Content is { } content)
        {
            foreach (var header in content.Headers.NonValidated)
            {
                foreach (var value in header.Value)
                {
                    size += HpackEncoder.MaxFieldLength(header.Key.Length, value.Length);
                }
            }
        }

        var block = ArrayPool<byte>.Shared.Rent(size);
        var span = block.AsSpan();
        var written = 0;
        written += ReferenceEquals(request.Method, HttpMethod.Post) ? HpackEncoder.WriteIndexed(MethodPost, span)
            : ReferenceEquals(request.Method, HttpMethod.Get) ? HpackEncoder.WriteIndexed(MethodGet, span)
            : HpackEncoder.WriteField(MethodName, "", method, span);
        written += HpackEncoder.WriteIndexed(SchemeHttp, span[written..]);
        written += path == "/" ? HpackEncoder.WriteIndexed(PathRoot, span[written..]) : HpackEncoder.WriteField(PathName, "", path, span[written..]);
        written += HpackEncoder.WriteField(AuthorityName, "", authority, span[written..]);
        written += WriteHeaders(request.Headers.NonValidated, span[written..]);
        if (request.Content is { } body)
        {
            written += WriteHeaders(body.Headers.NonValidated, span[written..]);
        }

        stream.HeaderBlock = block;
        stream.HeaderBlockLength = written;
    }

    private static int WriteHeaders(System.Net.Http.Headers.HttpHeadersNonValidated headers, Span<byte> destination)
    {
        var written = 0;
        foreach (var header in headers)
        {
            var name = header.Key;
            if (IsConnectionSpecific(name))
            {
                continue;
            }

            var isTe = string.Equals(name, "te", StringComparison.OrdinalIgnoreCase);
            var nameIndex = HpackStaticTable.IndexOfName(name);
            foreach (var value in header.Value)
            {
                // TE is allowed only as "trailers" (RFC 9113, 8.2.2).
                if (isTe && !string.Equals(value, "trailers", StringComparison.OrdinalIgnoreCase))
                {
                    continue;
                }

                written += HpackEncoder.WriteField(nameIndex, name, value, destination[written..]);
            }
        }

        return written;
    }

    private static bool IsConnectionSpecific(string name) =>
        name.Equals("Host", StringComparison.OrdinalIgnoreCase)
        || name.Equals("Connection", StringComparison.OrdinalIgnoreCase)
        || name.Equals("Keep-Alive", StringComparison.OrdinalIgnoreCase)
        || name.Equals("Proxy-Connection", StringComparison.OrdinalIgnoreCase)
        || name.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase)
        || name.Equals("Upgrade", StringComparison.OrdinalIgnoreCase);
}
