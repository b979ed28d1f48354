using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Inference.Metrics;

/// <summary>The usual process_* series, so memory and CPU can be watched without another exporter.</summary>
internal static class ProcessMetrics
{
    public static void WriteTo(StringBuilder text)
    {
        using var process = Process.GetCurrentProcess();
        Write(text, "process_resident_memory_bytes", "gauge", "Resident memory size in bytes.", process.WorkingSet64);
        Write(text, "process_cpu_seconds_total", "counter", "Total user and system CPU time spent in seconds.", process.TotalProcessorTime.TotalSeconds);
        Write(text, "process_start_time_seconds", "gauge", "Start time of the process since the Unix epoch in seconds.",
            new DateTimeOffset(process.StartTime.ToUniversalTime()).ToUnixTimeMilliseconds() / 1000.0);
        Write(text, "dotnet_gc_heap_size_bytes", "gauge", "Managed heap size after the last garbage collection.", GC.GetGCMemoryInfo().HeapSizeBytes);
        Write(text, "dotnet_gc_allocated_bytes_total", "counter", "Bytes allocated on the managed heap since the process started.", GC.GetTotalAllocatedBytes());
    }

    private static void Write(StringBuilder text, string name, string type, string help, double value)
    {
        text.Append("# HELP ").Append(name).Append(' ').Append(help).Append('\n');
        text.Append("# TYPE ").Append(name).Append(' ').Append(type).Append('\n');
        text.Append(name).Append(' ').Append(value.ToString("R", CultureInfo.InvariantCulture)).Append('\n');
    }
}
