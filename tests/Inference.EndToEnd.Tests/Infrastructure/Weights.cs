namespace Inference.EndToEnd.Tests.Infrastructure;

/// <summary>The control/treatment weights of the test experiment.</summary>
internal readonly record struct Weights(double Control, double Treatment);
