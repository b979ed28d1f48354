namespace Inference.Grpc.Tests;

/// <summary>What a client put on the wire for one call, as <see cref="RecordingServer"/> received it.</summary>
internal sealed record RecordedRequest(string Path, string? GrpcEncoding, string? GrpcAcceptEncoding, byte[] Body);
