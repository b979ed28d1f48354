using System.Diagnostics;
using System.Text.RegularExpressions;
using Inference.Router.Hosting;

namespace Inference.Router.Tests.Infrastructure;

/// <summary>
/// The router executable in its own process, with its own runtime settings (the GC heap limit among
/// them), started with <c>dotnet exec</c> and known by the addresses of its listening line.
/// </summary>
internal sealed partial class RouterProcess : IDisposable
{
    private readonly System.Text.StringBuilder _errors = new();

    private RouterProcess(Process process, string grpcUrl, string adminUrl)
    {
        Process = process;
        GrpcUrl = grpcUrl;
        AdminUrl = adminUrl;
    }

    public Process Process { get; }

    public string GrpcUrl { get; }

    public string AdminUrl { get; }

    /// <summary>Starts the router with <paramref name="args"/> (ROUTER_ADMIN_TOKEN=from-env) and waits for its listening line.</summary>
    public static async Task<RouterProcess> StartAsync(TimeSpan timeout, params string[] args)
    {
        var process = Start(args);
        try
        {
            using var expiry = new CancellationTokenSource(timeout);
            while (true)
            {
                var line = await process.StandardOutput.ReadLineAsync(expiry.Token) ?? throw new InvalidOperationException("the router exited: " + await process.StandardError.ReadToEndAsync());
                var match = ListeningLine().Match(line);
                if (match.Success)
                {
                    // Keep draining its output so the router never blocks on a full pipe.
                    _ = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
                    var router = new RouterProcess(process, match.Groups["grpc"].Value, match.Groups["admin"].Value);
                    _ = router.CollectErrorsAsync();
                    return router;
                }
            }
        }
        catch
        {
            process.Kill(entireProcessTree: true);
            process.Dispose();
            throw;
        }
    }

    /// <summary>What the router wrote to stderr so far (a crash's reason lands there).</summary>
    public string Errors
    {
        get
        {
            lock (_errors)
            {
                return _errors.ToString();
            }
        }
    }

    private async Task CollectErrorsAsync()
    {
        while (await Process.StandardError.ReadLineAsync() is { } line)
        {
            lock (_errors)
            {
                _errors.AppendLine(line);
            }
        }
    }

    /// <summary>Starts the router executable without waiting for anything.</summary>
    public static Process Start(params string[] args)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add("exec");
        info.ArgumentList.Add(typeof(RouterHost).Assembly.Location);
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment["ROUTER_ADMIN_TOKEN"] = "from-env";
        return Process.Start(info)!;
    }

    /// <summary>A line of /proc/&lt;pid&gt;/status in kB (VmRSS, VmHWM), or -1 once the process is gone.</summary>
    public long StatusKilobytes(string field)
    {
        try
        {
            var line = File.ReadLines($"/proc/{Process.Id}/status").FirstOrDefault(l => l.StartsWith(field + ":", StringComparison.Ordinal));
            return line is null ? -1 : long.Parse(line[(field.Length + 1)..].Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return -1;
        }
    }

    public void Dispose()
    {
        if (!Process.HasExited)
        {
            Process.Kill(entireProcessTree: true);
            Process.WaitForExit();
        }

        Process.Dispose();
    }

    [GeneratedRegex(@"Now listening: grpc=(?<grpc>http://127\.0\.0\.1:[0-9]+) admin=(?<admin>http://127\.0\.0\.1:[0-9]+)")]
    private static partial Regex ListeningLine();
}
