using System.Buffers;
using System.Buffers.Binary;
using BenchmarkDotNet.Attributes;
using Google.Protobuf;
using Inference.Contracts.Oip;
using Inference.Router.Proxy;

namespace Inference.MicroBench;

/// <summary>
/// How the router learns the model of a request: peeking fields 1 and 2 in place, against parsing
/// the whole ModelInferRequest (what a proxy that deserialises would do). The model name is written
/// last, after the tensors, as the worst case for the peek (it must skip the tensor bytes).
/// </summary>
[MemoryDiagnoser]
public class PeekBenchmarks
{
    private ReadOnlySequence<byte> _frame;
    private byte[] _message = [];
    private readonly byte[] _name = new byte[256];
    private readonly byte[] _version = new byte[256];

    /// <summary>Bytes of raw input: one iris row (16) and a 64 KiB tensor.</summary>
    [Params(16, 65536)]
    public int InputBytes { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var request = new ModelInferRequest { Id = "request-1" };
        request.Inputs.Add(new ModelInferRequest.Types.InferInputTensor { Name = "input", Datatype = "FP32", Shape = { 1, InputBytes / 4 } });
        request.RawInputContents.Add(ByteString.CopyFrom(new byte[InputBytes]));
        using var stream = new MemoryStream();
        request.WriteTo(stream);
        // Fields 1 and 2 appended after the tensors: protobuf allows any order.
        var tail = new ModelInferRequest { ModelName = "iris", ModelVersion = "2" };
        tail.WriteTo(stream);
        _message = stream.ToArray();
        var frame = new byte[5 + _message.Length];
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(1), (uint)_message.Length);
        _message.CopyTo(frame, 5);
        _frame = new ReadOnlySequence<byte>(frame);
    }

    [Benchmark(Baseline = true, Description = "full parse (ModelInferRequest.Parser)")]
    public int FullParse() => ModelInferRequest.Parser.ParseFrom(_message).ModelName.Length;

    [Benchmark(Description = "router peek (fields 1, 2 in place)")]
    public int Peek()
    {
        GrpcRequestPeeker.PeekFrame(_frame, isCompleted: true, int.MaxValue, _name, _version, out var fields, out _);
        return fields.NameLength;
    }
}
