namespace Inference.Onnx.TestData;

/// <summary>Whether a Python interpreter has the modules a test needs (Debian's python3-* packages).</summary>
public static class PythonModules
{
    /// <summary>Why <paramref name="interpreter"/> cannot import <paramref name="modules"/>, or null when it can.</summary>
    /// <param name="modules">Python import list, e.g. "onnx, numpy".</param>
    /// <param name="packages">What to install, for the message.</param>
    public static string? Missing(string interpreter, string modules, string packages)
    {
        try
        {
            var (exitCode, _, _) = ChildProcess.RunAsync(interpreter, ["-c", $"import {modules}"], timeout: TimeSpan.FromMinutes(1))
                .GetAwaiter().GetResult();
            return exitCode == 0 ? null : $"{interpreter} lacks {modules} (install {packages})";
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return $"{interpreter} not found (install {packages})";
        }
        catch (TimeoutException)
        {
            return $"{interpreter} did not answer";
        }
    }
}
