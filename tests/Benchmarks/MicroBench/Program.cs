using BenchmarkDotNet.Running;

// dotnet run -c Release --project tests/Benchmarks/MicroBench -- --filter '*' [--job short]
BenchmarkSwitcher.FromAssembly(typeof(Inference.MicroBench.PeekBenchmarks).Assembly).Run(args);
