using Inference.Router.Upstream;

namespace Inference.Router.Routing;

/// <summary>Where one request goes and how its response is tagged.</summary>
internal readonly record struct RouteDecision(ModelRoute Model, VersionPool Pool, string Experiment, string Group);
