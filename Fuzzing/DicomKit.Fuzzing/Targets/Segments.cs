using System.Buffers;

namespace DicomKit.Fuzzing.Targets;

/// <summary>Builds a multi-segment <see cref="ReadOnlySequence{T}"/> from one span, as a pipe hands out received bytes.</summary>
internal static class Segments
{
    public static ReadOnlySequence<byte> Of(ReadOnlySpan<byte> bytes, int segmentLength)
    {
        if (bytes.Length <= segmentLength)
            return new ReadOnlySequence<byte>(bytes.ToArray());
        Segment? first = null, last = null;
        for (var at = 0; at < bytes.Length; at += segmentLength)
        {
            var part = bytes.Slice(at, Math.Min(segmentLength, bytes.Length - at)).ToArray();
            last = last is null ? first = new Segment(part, 0) : last.Append(part);
        }
        return new ReadOnlySequence<byte>(first!, 0, last!, last!.Memory.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }
}
