using System.Globalization;
using System.Runtime.InteropServices;
using Google.Protobuf;
using Grpc.Net.Client;
using Inference.Batch.Tests.Support;
using Inference.Contracts.Oip;
using Inference.Testing;

namespace Inference.Batch.Tests;

/// <summary>The tool's answers are the model server's answers for the same rows, bit for bit, in every output format.</summary>
[Collection(IrisServerCollection.Name)]
public sealed class ServerEqualityTests(IrisServer iris)
{
    private const int Rows = 500;
    private const int BatchSize = 100;

    [Fact]
    public async Task RemoteScoring_EqualsDirectModelInferAnswers()
    {
        using var directory = new TempDirectory("batch-equal");
        var input = IrisRows.WriteCsv(directory.File("in.csv"), Rows);
        var (probabilities, labels) = await ServerAnswersAsync(iris.Target, input);

        foreach (var format in new[] { "parquet", "csv", "jsonl" })
        {
            var output = directory.File("out." + format);
            await BatchRun.SucceedAsync(BatchRun.Iris(iris.Target, input, output, "--batch-size", BatchSize.ToString(CultureInfo.InvariantCulture)));
            var (gotProbabilities, gotLabels) = await ReadAnswersAsync(output, format);
            Assert.Equal(labels, gotLabels);
            Assert.Equal(Bits(probabilities), Bits(gotProbabilities));
        }
    }

    /// <summary>ModelInfer calls made here with Grpc.Net.Client, the same rows in the same batches, the CSV text parsed as floats.</summary>
    internal static async Task<(float[] Probabilities, long[] Labels)> ServerAnswersAsync(string target, string csv)
    {
        using var channel = GrpcChannel.ForAddress("http://" + target);
        var client = new GRPCInferenceService.GRPCInferenceServiceClient(channel);
        var rows = File.ReadAllLines(csv).Skip(1)
            .Select(l => l.Split(',').Take(4).Select(v => float.Parse(v, CultureInfo.InvariantCulture)).ToArray())
            .ToList();
        var probabilities = new List<float>();
        var labels = new List<long>();
        foreach (var batch in rows.Chunk(BatchSize))
        {
            var request = new ModelInferRequest { ModelName = "iris", ModelVersion = "1" };
            request.Inputs.Add(new ModelInferRequest.Types.InferInputTensor { Name = "input", Datatype = "FP32", Shape = { batch.Length, 4 } });
            request.RawInputContents.Add(ByteString.CopyFrom(MemoryMarshal.AsBytes(batch.SelectMany(r => r).ToArray().AsSpan())));
            var response = await client.ModelInferAsync(request);
            for (var i = 0; i < response.Outputs.Count; i++)
            {
                var raw = response.RawOutputContents[i].Span;
                if (response.Outputs[i].Name == "probabilities")
                {
                    probabilities.AddRange(MemoryMarshal.Cast<byte, float>(raw).ToArray());
                }
                else
                {
                    labels.AddRange(MemoryMarshal.Cast<byte, long>(raw).ToArray());
                }
            }
        }

        return (probabilities.ToArray(), labels.ToArray());
    }

    internal static async Task<(float[] Probabilities, long[] Labels)> ReadAnswersAsync(string output, string format)
    {
        switch (format)
        {
            case "parquet":
                return (
                    (await OutputFiles.ParquetLists<float>(output, "probabilities")).SelectMany(p => p).ToArray(),
                    (await OutputFiles.ParquetValues<long>(output, "label")).ToArray());
            case "csv":
                var rows = OutputFiles.CsvRaw(output);
                return (
                    rows.SelectMany(r => Enumerable.Range(0, 3).Select(k => float.Parse(r[$"probabilities_{k}"], CultureInfo.InvariantCulture))).ToArray(),
                    rows.Select(r => long.Parse(r["label"], CultureInfo.InvariantCulture)).ToArray());
            default:
                var objects = OutputFiles.JsonLines(output);
                return (
                    objects.SelectMany(o => o.GetProperty("probabilities").EnumerateArray().Select(p => p.GetSingle())).ToArray(),
                    objects.Select(o => o.GetProperty("label").GetInt64()).ToArray());
        }
    }

    internal static uint[] Bits(float[] values) => values.Select(BitConverter.SingleToUInt32Bits).ToArray();
}
