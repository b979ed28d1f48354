namespace Inference.Router.Routing;

/// <summary>Why a request could not be routed; <see cref="Routed"/> when it could.</summary>
internal enum RouteOutcome
{
    Routed,
    NoModelName,
    UnknownModel,
    UnknownVersion,
    UnknownGroup,
}
