namespace Inference.Batch.Cli;

/// <summary>The tool's usage text.</summary>
internal static class HelpText
{
    public const string UsageLine =
        "Usage: inference-batch --input <file> --output <file> (--model <file.onnx> | --address <host:port> --name <model> [--version <v>]) [options]";

    public const string Full = UsageLine + """


        Scores every row of a CSV, JSON Lines or Parquet file with one model version and writes the rows with the
        model's outputs appended, plus model_name, model_version and model_sha256. Streams with bounded memory,
        commits after every chunk and resumes from its checkpoint when run again with the same arguments.

        Model (one of):
          --model <file.onnx>        score in this process on ONNX Runtime (--name/--version label the rows)
          --address <host:port>      score through a model server or the router (OIP v2 over gRPC); every call
                                     pins the version (given, or the one that answers ModelMetadata)
          --name <model>             the model's name (required with --address)
          --version <v>              the model version

        Files:
          --input <file>             rows to score
          --output <file>            where the scored rows go (replaced, unless a checkpoint resumes it)
          --format csv|jsonl|parquet         the input's format (default: from the file name)
          --output-format csv|jsonl|parquet  the output's format (default: from the file name, else the input's)
          --map <input>=<column>[,…] a model input from one column, from several (<input>=a+b+c) or from a range
                                     of columns in file order (<input>=first..last). Default: the column named as
                                     the input, else the columns <input>_0 … <input>_k
          --output-prefix <p>        prefix the output columns' names (when the input has columns of those names)

        Run:
          --batch-size <n>           rows per Run (default 1024)
          --chunk-rows <n>           rows per commit for CSV and JSON Lines input (default 65536); a Parquet
                                     input commits per row group
          --shard <i>/<n>            score only part i (from 0) of n contiguous parts (Parquet: of its row groups)
          --max-errors <n>           bad rows tolerated (default 0); they go to the error file, and one more fails
                                     the job (exit 3)
          --errors <file>            the error file (default <output>.errors.jsonl)
          --checkpoint <file>        the checkpoint (default <output>.checkpoint; removed when the job completes)
          --concurrency <n>          remote Runs in flight (default 4)
          --timeout <seconds>        deadline of each remote call (default 60)
          --retries <n>              tries per remote call answered UNAVAILABLE (default 5)
          --intra-op-threads <n>     ONNX Runtime threads per Run, in-process (default 0: ONNX Runtime's choice)
          --progress-interval <s>    seconds between progress lines when stderr is not a terminal (default 10)
          -h, --help                 this help

        Exit codes: 0 done; 1 failed (unreadable file, a file that does not fit the model, a server failure);
        2 usage error; 3 more bad rows than --max-errors; 130 interrupted (run the same command to resume).
        """;
}
