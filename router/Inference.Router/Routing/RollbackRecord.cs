using System.Globalization;
using System.Text.Json;

namespace Inference.Router.Routing;

/// <summary>Who rolled an experiment back (a person's admin identity, or <c>guard</c>), why, and when.</summary>
internal sealed record RollbackRecord(string By, string Reason, DateTimeOffset At)
{
    /// <summary>The <see cref="By"/> of the router's automatic rollback.</summary>
    public const string Guard = "guard";

    /// <summary>The reason recorded for a rollback asked for through the admin API.</summary>
    public const string AdminReason = "rollback requested through the admin API";

    /// <summary>Writes <c>"rollback": {"by", "reason", "at"}</c> (RFC 3339 UTC), as the state file and the admin API show it.</summary>
    public void Write(Utf8JsonWriter writer)
    {
        writer.WriteStartObject("rollback");
        writer.WriteString("by", By);
        writer.WriteString("reason", Reason);
        writer.WriteString("at", At.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture));
        writer.WriteEndObject();
    }
}
