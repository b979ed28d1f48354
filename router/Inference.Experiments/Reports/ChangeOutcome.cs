using System.Text.Json.Serialization;

namespace Inference.Experiments.Reports;

/// <summary>What a set or rollback did on one instance.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ChangeOutcome>))]
internal enum ChangeOutcome
{
    /// <summary>The instance took the change.</summary>
    [JsonStringEnumMemberName("applied")]
    Applied,

    /// <summary>The instance already had the requested weights; nothing was sent.</summary>
    [JsonStringEnumMemberName("unchanged")]
    Unchanged,

    /// <summary>Dry run: the instance would take this change.</summary>
    [JsonStringEnumMemberName("would-change")]
    WouldChange,

    /// <summary>The instance changed between read and write; the change was not applied.</summary>
    [JsonStringEnumMemberName("conflict")]
    Conflict,

    /// <summary>The instance could not be reached or refused the change.</summary>
    [JsonStringEnumMemberName("failed")]
    Failed,
}
