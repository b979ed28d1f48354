using System.Diagnostics;

namespace Inference.ModelServer.Tests;

/// <summary>A server process that has logged its Listening line; <see cref="Output"/> is what it has said so far.</summary>
internal sealed record StartedServer(Process Process, Uri Grpc, Uri Http, Func<string> Output);
