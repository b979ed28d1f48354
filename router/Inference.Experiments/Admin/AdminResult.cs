using System.Diagnostics.CodeAnalysis;

namespace Inference.Experiments.Admin;

/// <summary>What one admin call gave: the parsed answer and its ETag, or the failure.</summary>
internal sealed record AdminResult<T>(T? Value, string? ETag, AdminFailure? Failure)
    where T : class
{
    [MemberNotNullWhen(true, nameof(Value))]
    [MemberNotNullWhen(false, nameof(Failure))]
    public bool Succeeded => Failure is null && Value is not null;

    public static AdminResult<T> Failed(AdminFailure failure) => new(null, null, failure);
}
