using System.Text.Json.Nodes;
using Inference.Experiments.Analysis;

namespace Inference.Experiments.Tests.Statistics;

/// <summary>
/// The statistics against values scipy and numpy compute independently from the same raw samples (seeded): the special
/// functions, Welch's t-test with its intervals, the two-proportion z-test with Wilson intervals, and the chi-square
/// sample-ratio test.
/// </summary>
public sealed class ScipyReferenceTests
{
    private const double Tolerance = 1e-9;

    private static readonly (double A, double B, double X)[] s_beta = [(0.5, 0.5, 0.3), (5, 0.5, 0.9), (60.5, 0.5, 0.99), (2, 3, 0.01), (1e3, 0.5, 0.999)];
    private static readonly (double A, double X)[] s_gamma = [(0.5, 0.02), (0.5, 2.5), (1, 7), (4.5, 3), (10, 30)];
    private static readonly (double T, double Df)[] s_t = [(0.1, 1), (2.1, 3.5), (-1.7, 17.25), (4.5, 120), (1.96, 5000)];

    [PeerFact(Peers.PythonScipy)]
    public async Task Statistics_MatchScipyOnTheSameSamples()
    {
        Peers.Require(Peers.PythonScipy);
        var random = new Random(20261207);
        var numbers = new List<(double[] Control, double[] Group)>
        {
            (SyntheticSamples.Normal(random, 400, 10, 3), SyntheticSamples.Normal(random, 380, 10.6, 4)),
            (SyntheticSamples.Normal(random, 35, -2, 1), SyntheticSamples.Normal(random, 12, -1.5, 0.2)),
            (SyntheticSamples.Normal(random, 5000, 100, 25), SyntheticSamples.Normal(random, 500, 100, 25)),
        };
        var booleans = new List<(int[] Control, int[] Group)>
        {
            (SyntheticSamples.Bernoulli(random, 4000, 0.10), SyntheticSamples.Bernoulli(random, 1000, 0.125)),
            (SyntheticSamples.Bernoulli(random, 60, 0.5), SyntheticSamples.Bernoulli(random, 50, 0.3)),
            (SyntheticSamples.Bernoulli(random, 20000, 0.02), SyntheticSamples.Bernoulli(random, 20000, 0.021)),
        };
        var ratios = new List<(long[] Assigned, decimal[] Weights)>
        {
            ([9012, 988], [90, 10]),
            ([8800, 1200], [90, 10]),
            ([333, 351, 316], [1, 1, 1]),
            ([5000, 2600, 2400], [50, 25, 25]),
        };

        var input = new JsonObject
        {
            ["numbers"] = new JsonArray(numbers.Select(n => (JsonNode)new JsonObject { ["control"] = Array(n.Control), ["group"] = Array(n.Group) }).ToArray()),
            ["booleans"] = new JsonArray(booleans.Select(b => (JsonNode)new JsonObject { ["control"] = Array(b.Control), ["group"] = Array(b.Group) }).ToArray()),
            ["ratios"] = new JsonArray(ratios.Select(r => (JsonNode)new JsonObject { ["assigned"] = Array(r.Assigned), ["weights"] = Array(r.Weights) }).ToArray()),
            ["special"] = new JsonObject
            {
                ["beta"] = new JsonArray(s_beta.Select(b => (JsonNode)Array(new[] { b.A, b.B, b.X })).ToArray()),
                ["gamma"] = new JsonArray(s_gamma.Select(g => (JsonNode)Array(new[] { g.A, g.X })).ToArray()),
                ["t"] = new JsonArray(s_t.Select(t => (JsonNode)Array(new[] { t.T, t.Df })).ToArray()),
            },
        };
        var script = Path.Combine(AppContext.BaseDirectory, "interop", "scipy_reference.py");
        var result = await ChildProcess.RunAsync(Peers.PythonInterpreter, [script], standardInput: input.ToJsonString(), timeout: TimeSpan.FromMinutes(2));
        Assert.True(result.ExitCode == 0, result.ToString());
        var reference = JsonNode.Parse(result.Stdout)!;

        for (var i = 0; i < s_beta.Length; i++)
        {
            Close(reference["special"]!["beta"]![i]!.GetValue<double>(), SpecialFunctions.IncompleteBeta(s_beta[i].A, s_beta[i].B, s_beta[i].X), $"I_x{s_beta[i]}");
        }

        for (var i = 0; i < s_gamma.Length; i++)
        {
            Close(reference["special"]!["gamma"]![i]!.GetValue<double>(), SpecialFunctions.UpperIncompleteGamma(s_gamma[i].A, s_gamma[i].X), $"Q{s_gamma[i]}");
        }

        for (var i = 0; i < s_t.Length; i++)
        {
            Close(reference["special"]!["t"]![i]!.GetValue<double>(), Distributions.StudentTwoSided(s_t[i].T, s_t[i].Df), $"t p{s_t[i]}");
            Close(reference["special"]!["tcrit"]![i]!.GetValue<double>(), Distributions.StudentCritical(0.05, s_t[i].Df), $"t critical df={s_t[i].Df}");
        }

        for (var i = 0; i < numbers.Count; i++)
        {
            var expected = reference["numbers"]![i]!;
            var control = SyntheticSamples.Moments(numbers[i].Control);
            var group = SyntheticSamples.Moments(numbers[i].Group);
            Same(expected["groups"]![0]!, NumberTests.Mean(control), $"numbers[{i}] control mean");
            Same(expected["groups"]![1]!, NumberTests.Mean(group), $"numbers[{i}] group mean");
            var welch = NumberTests.Welch(control, group);
            Same(expected["difference"]!, welch.Difference, $"numbers[{i}] difference");
            Same(expected["lift"]!, welch.Lift, $"numbers[{i}] lift");
            Close(expected["p"]!.GetValue<double>(), welch.PValue, $"numbers[{i}] p");
            Close(expected["df"]!.GetValue<double>(), welch.DegreesOfFreedom!.Value, $"numbers[{i}] df");
        }

        for (var i = 0; i < booleans.Count; i++)
        {
            var expected = reference["booleans"]![i]!;
            var (control, group) = booleans[i];
            Same(expected["groups"]![0]!, RateTests.Rate(control.Length, control.Sum()), $"booleans[{i}] control rate");
            Same(expected["groups"]![1]!, RateTests.Rate(group.Length, group.Sum()), $"booleans[{i}] group rate");
            var z = RateTests.Compare(control.Length, control.Sum(), group.Length, group.Sum());
            Same(expected["difference"]!, z.Difference, $"booleans[{i}] difference");
            Same(expected["lift"]!, z.Lift, $"booleans[{i}] lift");
            Close(expected["p"]!.GetValue<double>(), z.PValue, $"booleans[{i}] p");
        }

        for (var i = 0; i < ratios.Count; i++)
        {
            var expected = reference["ratios"]![i]!;
            var (chi, _, p, _) = SampleRatioTest.Check(ratios[i].Assigned, ratios[i].Weights);
            Close(expected["chi"]!.GetValue<double>(), chi, $"ratios[{i}] chi-square");
            Close(expected["p"]!.GetValue<double>(), p, $"ratios[{i}] p");
        }
    }

    private static JsonArray Array<T>(IEnumerable<T> values) => new(values.Select(v => JsonValue.Create(v)).ToArray<JsonNode?>());

    private static void Same(JsonNode expected, Estimate actual, string what)
    {
        Close(expected[0]!.GetValue<double>(), actual.Value, what);
        Close(expected[1]!.GetValue<double>(), actual.Low, what + " low");
        Close(expected[2]!.GetValue<double>(), actual.High, what + " high");
    }

    private static void Close(double expected, double actual, string what) =>
        Assert.True(Math.Abs(expected - actual) <= Tolerance * Math.Max(1, Math.Abs(expected)) || (Math.Abs(expected) < 1e-12 && Math.Abs(actual - expected) <= 1e-3 * Math.Abs(expected) + 1e-300),
            $"{what}: expected {expected:R} (scipy), got {actual:R}");
}
