using System.Buffers;

namespace Inference.Grpc.Tests.Unit;

/// <summary>Builds multi-segment sequences, as a socket delivers them.</summary>
internal static class Segments
{
    public static ReadOnlySequence<byte> Split(byte[] data, int[] sizes)
    {
        Segment? first = null, last = null;
        var offset = 0;
        foreach (var size in sizes)
        {
            var segment = new Segment(data.AsMemory(offset, size), last);
            first ??= segment;
            last = segment;
            offset += size;
        }

        return new ReadOnlySequence<byte>(first!, 0, last!, last!.Memory.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, Segment? previous)
        {
            Memory = memory;
            if (previous is not null)
            {
                RunningIndex = previous.RunningIndex + previous.Memory.Length;
                previous.Next = this;
            }
        }
    }
}
