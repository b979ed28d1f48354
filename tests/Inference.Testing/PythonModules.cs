namespace Inference.Testing;

/// <summary>Whether Debian's Python has the modules a test needs.</summary>
public static class PythonModules
{
    /// <summary>Why the interpreter cannot import <paramref name="modules"/>, or null when it can.</summary>
    /// <param name="modules">A Python import list, e.g. "onnx, numpy".</param>
    /// <param name="packages">What to install, for the message.</param>
    public static string? Missing(string modules, string packages)
    {
        var interpreter = Peers.PythonInterpreter;
        try
        {
            var result = ChildProcess.RunAsync(interpreter, ["-c", $"import {modules}"], timeout: TimeSpan.FromMinutes(1))
                .GetAwaiter().GetResult();
            return result.ExitCode == 0 ? null : $"{interpreter} lacks {modules} (install {packages})";
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
