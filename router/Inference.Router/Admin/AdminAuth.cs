using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace Inference.Router.Admin;

/// <summary>
/// Bearer-token check for the admin API. Tokens are compared as SHA-256 digests with a
/// constant-time comparison, so neither content nor length leaks through timing. The audit
/// identity is a short digest prefix of the token, never the token.
/// </summary>
internal sealed class AdminAuth
{
    private readonly byte[]? _tokenHash;
    private readonly string _identity = "anonymous";

    public AdminAuth(string? token)
    {
        if (!string.IsNullOrEmpty(token))
        {
            _tokenHash = SHA256.HashData(Encoding.UTF8.GetBytes(token));
            _identity = "token:" + Convert.ToHexStringLower(_tokenHash)[..8];
        }
    }

    /// <summary>Whether a token is configured; without one the admin port listens on loopback only.</summary>
    public bool Enabled => _tokenHash is not null;

    /// <summary>0 and the caller's identity when allowed; otherwise 401 (no credentials) or 403 (wrong token).</summary>
    public (int Status, string Who) Check(HttpContext context)
    {
        var who = $"{_identity}@{context.Connection.RemoteIpAddress}";
        if (_tokenHash is null)
        {
            return (0, who);
        }

        var header = context.Request.Headers.Authorization.ToString();
        const string scheme = "Bearer ";
        if (!header.StartsWith(scheme, StringComparison.OrdinalIgnoreCase) || header.Length == scheme.Length)
        {
            // No credentials: the audit line must not name the configured token's identity.
            return (StatusCodes.Status401Unauthorized, $"anonymous@{context.Connection.RemoteIpAddress}");
        }

        var offered = SHA256.HashData(Encoding.UTF8.GetBytes(header[scheme.Length..].Trim()));
        return CryptographicOperations.FixedTimeEquals(offered, _tokenHash)
            ? (0, who)
            : (StatusCodes.Status403Forbidden, $"unknown-token@{context.Connection.RemoteIpAddress}");
    }
}
