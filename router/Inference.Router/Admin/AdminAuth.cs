using System.Security.Cryptography;
using System.Text;

namespace Inference.Router.Admin;

/// <summary>
/// Bearer-token check for the admin API. Tokens are compared as SHA-256 digests with a
/// constant-time comparison, so neither content nor length leaks through timing. The audit
/// identity is a short digest prefix of the token, never the token. The token can be replaced
/// while running (a rotated Secret, see <see cref="AdminTokenWatcher"/>).
/// </summary>
internal sealed class AdminAuth
{
    private volatile Credentials? _credentials;

    public AdminAuth(string? token)
    {
        if (!string.IsNullOrEmpty(token))
        {
            _credentials = Credentials.For(token);
        }
    }

    /// <summary>The audit identity of the current token (<c>token:&lt;digest prefix&gt;</c>), or <c>anonymous</c>.</summary>
    public string Identity => _credentials?.Identity ?? "anonymous";

    /// <summary>Makes <paramref name="token"/> the only accepted one from the next request on.</summary>
    public void Replace(string token) => _credentials = Credentials.For(token);

    /// <summary>Whether <paramref name="token"/> is the one accepted now.</summary>
    public bool IsCurrent(string token) =>
        _credentials is { } current && CryptographicOperations.FixedTimeEquals(Digest(token), current.Hash);

    /// <summary>0 and the caller's identity when allowed; otherwise 401 (no credentials) or 403 (wrong token).</summary>
    public (int Status, string Who) Check(HttpContext context)
    {
        var credentials = _credentials;
        if (credentials is null)
        {
            return (0, $"anonymous@{context.Connection.RemoteIpAddress}");
        }

        var header = context.Request.Headers.Authorization.ToString();
        const string scheme = "Bearer ";
        if (!header.StartsWith(scheme, StringComparison.OrdinalIgnoreCase) || header.Length == scheme.Length)
        {
            // No credentials: the audit line must not name the configured token's identity.
            return (StatusCodes.Status401Unauthorized, $"anonymous@{context.Connection.RemoteIpAddress}");
        }

        var offered = Digest(header[scheme.Length..].Trim());
        return CryptographicOperations.FixedTimeEquals(offered, credentials.Hash)
            ? (0, $"{credentials.Identity}@{context.Connection.RemoteIpAddress}")
            : (StatusCodes.Status403Forbidden, $"unknown-token@{context.Connection.RemoteIpAddress}");
    }

    private static byte[] Digest(string token) => SHA256.HashData(Encoding.UTF8.GetBytes(token));

    private sealed record Credentials(byte[] Hash, string Identity)
    {
        public static Credentials For(string token)
        {
            var hash = Digest(token);
            return new Credentials(hash, "token:" + Convert.ToHexStringLower(hash)[..8]);
        }
    }
}
