namespace Inference.Router.Admin;

/// <summary>Reads the admin token from the file of <c>--admin-token-file</c>, at start-up and on every change.</summary>
internal static class AdminTokenFile
{
    /// <summary>The token (surrounding whitespace and the trailing newline removed), or null and why it is unusable.</summary>
    public static string? TryRead(string path, out string problem)
    {
        string token;
        try
        {
            token = File.ReadAllText(path).Trim();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            problem = $"cannot read it: {ex.Message}";
            return null;
        }

        problem = token.Length == 0 ? "it is empty" : "";
        return token.Length == 0 ? null : token;
    }
}
