namespace Inference.Grpc;

public sealed partial class Metadata
{
    /// <summary>One metadata pair. A <c>-bin</c> key holds bytes; any other key holds ASCII text.</summary>
    public sealed class Entry
    {
        private readonly string? _value;
        private readonly byte[]? _bytes;

        public Entry(string key, string value)
        {
            Key = ValidateKey(key);
            ArgumentNullException.ThrowIfNull(value);
            if (IsBinaryKey(Key))
            {
                throw new ArgumentException($"Key '{key}' ends in '-bin' and needs a byte[] value.", nameof(value));
            }

            foreach (var c in value)
            {
                if (c < 0x20 || c > 0x7E)
                {
                    throw new ArgumentException("A text metadata value must be printable ASCII.", nameof(value));
                }
            }

            _value = value;
        }

        public Entry(string key, byte[] value)
        {
            Key = ValidateKey(key);
            ArgumentNullException.ThrowIfNull(value);
            if (!IsBinaryKey(Key))
            {
                throw new ArgumentException($"Key '{key}' must end in '-bin' to carry a byte[] value.", nameof(key));
            }

            _bytes = value;
        }

        public string Key { get; }

        public bool IsBinary => _bytes is not null;

        /// <summary>The text value. For a binary entry, its base64 form (as on the wire).</summary>
        public string Value => _value ?? EncodeBinaryValue(_bytes!);

        /// <summary>The byte value. For a text entry, its ASCII bytes.</summary>
        public byte[] ValueBytes => _bytes ?? System.Text.Encoding.ASCII.GetBytes(_value!);

        public override string ToString() => $"{Key}: {Value}";

        private static string ValidateKey(string key)
        {
            ArgumentException.ThrowIfNullOrEmpty(key);
            var needsLower = false;
            foreach (var c in key)
            {
                if (c is >= 'A' and <= 'Z')
                {
                    needsLower = true;
                }
                else if (!(c is >= 'a' and <= 'z' or >= '0' and <= '9' or '-' or '_' or '.'))
                {
                    throw new ArgumentException($"Metadata key '{key}' has a character outside [0-9a-z-_.].", nameof(key));
                }
            }

            return needsLower ? key.ToLowerInvariant() : key;
        }
    }
}
