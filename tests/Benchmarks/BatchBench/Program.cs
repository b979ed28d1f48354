using System.Diagnostics;
using System.Globalization;
using System.Text;
using Inference.Batch.Jobs;
using Inference.Batch.Models;
using Inference.Batch.Scoring;
using Inference.Batch.Tables;
using Inference.Batch.Tables.Csv;
using Microsoft.ML.OnnxRuntime;

namespace Inference.Benchmarks.Batch;

/// <summary>
/// BatchBench data   --kind iris|mlp --rows N --out file.csv
/// BatchBench loop   --model M --batch B --threads T --seconds S    a plain ONNX Runtime loop (the baseline)
/// BatchBench engine --model M --batch B --threads T --seconds S    inference-batch's in-process scoring path
/// </summary>
internal static class Program
{
    public static async Task<int> Main(string[] args)
    {
        var options = new Dictionary<string, string>();
        for (var i = 1; i + 1 < args.Length; i += 2)
        {
            options[args[i]] = args[i + 1];
        }

        string Get(string name, string fallback) => options.GetValueOrDefault(name, fallback);
        int Int(string name, int fallback) => int.Parse(Get(name, fallback.ToString(CultureInfo.InvariantCulture)), CultureInfo.InvariantCulture);

        switch (args.FirstOrDefault())
        {
            case "data":
                WriteData(Get("--kind", "iris"), Int("--rows", 1_000_000), Get("--out", "data.csv"));
                return 0;
            case "loop":
                Report("loop", Loop(Get("--model", ""), Int("--batch", 1024), Int("--threads", 1), Int("--seconds", 3)));
                return 0;
            case "read":
                await ReadAsync(Get("--input", ""), Int("--batch", 1024));
                return 0;
            case "engine":
                Report("engine", await EngineAsync(Get("--model", ""), Int("--batch", 1024), Int("--threads", 1), Int("--seconds", 3)));
                return 0;
            default:
                Console.Error.WriteLine("usage: BatchBench data|loop|engine [options] (see Program.cs)");
                return 2;
        }
    }

    private static void Report(string what, (double Wall, double Cpu) rates) =>
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{what} rows_per_s={rates.Wall:0} rows_per_cpu_s={rates.Cpu:0}"));

    /// <summary>Iris-like rows (4 measurements, a species), or 512 features f0..f511 for the MLP; deterministic.</summary>
    private static void WriteData(string kind, int rows, string path)
    {
        var random = new Random(1);
        using var writer = new StreamWriter(path, false, new UTF8Encoding(false), 1 << 20);
        var features = kind == "mlp" ? 512 : 4;
        writer.Write(kind == "mlp"
            ? string.Join(',', Enumerable.Range(0, features).Select(i => $"f{i}")) + "\n"
            : "sepal_length,sepal_width,petal_length,petal_width,species\n");
        var line = new StringBuilder();
        for (var r = 0; r < rows; r++)
        {
            line.Clear();
            for (var f = 0; f < features; f++)
            {
                if (f > 0)
                {
                    line.Append(',');
                }

                line.Append(kind == "mlp"
                    ? ((float)(random.NextDouble() * 2 - 1)).ToString(CultureInfo.InvariantCulture)
                    : Math.Round(1 + random.NextDouble() * 6, 1).ToString(CultureInfo.InvariantCulture));
            }

            if (kind != "mlp")
            {
                line.Append(",setosa");
            }

            writer.Write(line.Append('\n'));
        }
    }

    /// <summary>The baseline: one input tensor of <paramref name="batch"/> rows made once, Run in a loop.</summary>
    private static (double Wall, double Cpu) Loop(string model, int batch, int threads, int seconds)
    {
        using var options = new SessionOptions { IntraOpNumThreads = threads, GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL };
        using var session = new InferenceSession(model, options);
        var input = session.InputNames[0];
        var features = session.InputMetadata[input].Dimensions[1];
        var data = new float[batch * features];
        var random = new Random(1);
        for (var i = 0; i < data.Length; i++)
        {
            data[i] = (float)random.NextDouble();
        }

        using var value = OrtValue.CreateTensorValueFromMemory(data, [batch, features]);
        using var runOptions = new RunOptions();
        string[] inputs = [input];
        OrtValue[] values = [value];
        var outputs = session.OutputNames.ToArray();
        return Measure(batch, seconds, () =>
        {
            using var results = session.Run(runOptions, inputs, values, outputs);
        });
    }

    /// <summary>inference-batch's scoring path without the file: a Run's request over its input buffer, the scorer, the outputs read back.</summary>
    private static async Task<(double Wall, double Cpu)> EngineAsync(string model, int batch, int threads, int seconds)
    {
        var options = new JobOptions { Input = "", Output = "", ModelFile = model, IntraOpThreads = threads };
        await using var scorer = await EngineScorer.OpenAsync(options, CancellationToken.None);
        var features = (int)scorer.Model.Inputs[0].ElementsPerRow!.Value;
        var columns = Enumerable.Range(0, features).Select(i => $"c{i}").ToList();
        var mapper = RowMapper.Bind(scorer.Model, columns, [new InputMapping(scorer.Model.Inputs[0].Name, [columns[0], columns[^1]], IsRange: true)]);
        using var rows = new RowBatch(mapper, new CsvPassThrough(columns), batch);
        var random = new Random(1);
        for (var r = 0; r < batch; r++)
        {
            for (var f = 0; f < features; f++)
            {
                rows.Inputs[0].AppendDouble(random.NextDouble());
            }

            rows.Inputs[0].EndRow();
            rows.RowNumbers.Add(r + 1);
        }

        return Measure(batch, seconds, () =>
        {
            var request = RunRequests.Create(scorer.Model, rows, 0, batch);
            var scored = scorer.ScoreAsync(request, batch, CancellationToken.None).AsTask().GetAwaiter().GetResult();
            _ = scored.Outputs[0].SingleAt(batch - 1);
        });
    }

    /// <summary>Reads a CSV file into Runs (parse, map, pass-through) without scoring or writing: the reader's share.</summary>
    private static async Task ReadAsync(string input, int batch)
    {
        var model = new ModelDescription("m", "1", "", [new TensorSpec("input", "FP32", [-1, 4])], [new TensorSpec("y", "FP32", [-1])]);
        await using var reader = CsvTableReader.Open(input);
        var mapper = RowMapper.Bind(model, reader.Columns, [InputMapping.Parse("input=sepal_length..petal_width")]);
        var clock = Stopwatch.StartNew();
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        long rows = 0;
        while (true)
        {
            using var rowBatch = new RowBatch(mapper, reader.CreatePassThrough(), batch);
            var read = await reader.ReadAsync(rowBatch, mapper, batch, long.MaxValue, CancellationToken.None);
            if (read == 0)
            {
                break;
            }

            rows += read;
        }

        var used = Process.GetCurrentProcess().TotalProcessorTime - cpu;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"read rows={rows} wall_s={clock.Elapsed.TotalSeconds:0.00} cpu_us_per_row={used.TotalMicroseconds / rows:0.00}"));
    }

    /// <summary>
    /// Rows per second of wall time and per second of this process's CPU time, over <paramref name="seconds"/> after
    /// a second of warm-up (on a shared machine the CPU rate is the steadier of the two).
    /// </summary>
    private static (double Wall, double Cpu) Measure(int batch, int seconds, Action run)
    {
        var warm = Stopwatch.StartNew();
        while (warm.Elapsed < TimeSpan.FromSeconds(1))
        {
            run();
        }

        var runs = 0L;
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(seconds))
        {
            run();
            runs++;
        }

        var used = Process.GetCurrentProcess().TotalProcessorTime - cpu;
        return (runs * batch / clock.Elapsed.TotalSeconds, runs * batch / used.TotalSeconds);
    }
}
