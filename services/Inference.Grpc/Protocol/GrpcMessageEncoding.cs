using System.Buffers;
using System.Text;

namespace Inference.Grpc;

/// <summary>
/// Percent-encoding of <c>grpc-message</c>: the UTF-8 bytes of the message, with every byte
/// outside 0x20–0x7E and the '%' itself written as %XX.
/// </summary>
public static class GrpcMessageEncoding
{
    private const string HexDigits = "0123456789ABCDEF";

    public static string Encode(string message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var needsEncoding = false;
        foreach (var c in message)
        {
            if (c < 0x20 || c > 0x7E || c == '%')
            {
                needsEncoding = true;
                break;
            }
        }

        if (!needsEncoding)
        {
            return message;
        }

        var maxBytes = Encoding.UTF8.GetMaxByteCount(message.Length);
        var rented = ArrayPool<byte>.Shared.Rent(maxBytes);
        try
        {
            var length = Encoding.UTF8.GetBytes(message, rented);
            var builder = new StringBuilder(length * 3);
            for (var i = 0; i < length; i++)
            {
                var b = rented[i];
                if (b < 0x20 || b > 0x7E || b == '%')
                {
                    builder.Append('%').Append(HexDigits[b >> 4]).Append(HexDigits[b & 0xF]);
                }
                else
                {
                    builder.Append((char)b);
                }
            }

            return builder.ToString();
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>
    /// Decodes a received grpc-message. A '%' not followed by two hex digits is kept as it is,
    /// as the protocol asks; invalid UTF-8 becomes U+FFFD.
    /// </summary>
    public static string Decode(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (!value.Contains('%'))
        {
            return value;
        }

        var rented = ArrayPool<byte>.Shared.Rent(Encoding.UTF8.GetMaxByteCount(value.Length));
        try
        {
            var length = 0;
            for (var i = 0; i < value.Length; i++)
            {
                var c = value[i];
                if (c == '%' && i + 2 < value.Length && TryHex(value[i + 1], out var high) && TryHex(value[i + 2], out var low))
                {
                    rented[length++] = (byte)((high << 4) | low);
                    i += 2;
                }
                else if (c < 0x80)
                {
                    rented[length++] = (byte)c;
                }
                else
                {
                    var count = char.IsHighSurrogate(c) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]) ? 2 : 1;
                    length += Encoding.UTF8.GetBytes(value.AsSpan(i, count), rented.AsSpan(length));
                    i += count - 1;
                }
            }

            return Encoding.UTF8.GetString(rented, 0, length);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    private static bool TryHex(char c, out int value)
    {
        value = c switch
        {
            >= '0' and <= '9' => c - '0',
            >= 'A' and <= 'F' => c - 'A' + 10,
            >= 'a' and <= 'f' => c - 'a' + 10,
            _ => -1,
        };
        return value >= 0;
    }
}
