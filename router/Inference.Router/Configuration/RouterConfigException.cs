namespace Inference.Router.Configuration;

/// <summary>A router configuration that cannot be used; <see cref="Exception.Message"/> says why.</summary>
public sealed class RouterConfigException : Exception
{
    /// <summary>Creates the exception with the reason the configuration was rejected.</summary>
    public RouterConfigException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with the reason and the underlying error.</summary>
    public RouterConfigException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
