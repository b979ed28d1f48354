namespace Inference.Router.Configuration;

/// <summary>What the values of an outcome metric are.</summary>
public enum OutcomeMetricKind
{
    /// <summary>A success or not per answer (a click, a conversion): a rate.</summary>
    Boolean,

    /// <summary>A number per answer (revenue, a later label's error): a mean.</summary>
    Number,
}
