using System.Buffers.Binary;

namespace Inference.Images.Tests.Infrastructure;

/// <summary>The architecture an ELF file (a native library) is built for, in the OCI image's naming.</summary>
internal static class ElfMachine
{
    public static string Architecture(string path)
    {
        Span<byte> header = stackalloc byte[20];
        using (var file = File.OpenRead(path))
        {
            file.ReadExactly(header);
        }

        Assert.True(header[..4].SequenceEqual("\u007fELF"u8), $"{path} is not an ELF file");
        // e_machine, little-endian on both architectures the images are built for.
        return BinaryPrimitives.ReadUInt16LittleEndian(header[18..]) switch
        {
            0x3E => "amd64",
            0xB7 => "arm64",
            var other => $"ELF machine 0x{other:X}",
        };
    }
}
