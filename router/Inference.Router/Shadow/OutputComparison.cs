namespace Inference.Router.Shadow;

/// <summary>How one output of the shadow's answer compares with the primary's.</summary>
/// <param name="Output">The output's name.</param>
/// <param name="Agreed">Same datatype and shape, numbers within tolerance, everything else exactly equal.</param>
/// <param name="MaxAbsDifference">The largest absolute difference between numeric elements; null when not numeric or not comparable.</param>
/// <param name="Rows">Rows of a classifier output (row-wise argmax of scores, or a label per row); 0 when it is not one.</param>
/// <param name="RowsAgreed">Rows whose argmax or label is the same.</param>
/// <param name="Difference">What differs first, for the log; null when it agreed.</param>
internal sealed record OutputComparison(string Output, bool Agreed, double? MaxAbsDifference, int Rows, int RowsAgreed, string? Difference);
