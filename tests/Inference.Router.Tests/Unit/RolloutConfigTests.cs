using Inference.Router.Configuration;

namespace Inference.Router.Tests.Unit;

/// <summary>The experiment's "shadow" and "guard" sections: parsed values, defaults and the reasons for refusals.</summary>
public sealed class RolloutConfigTests
{
    private const string Template = """
        {
          "models": {
            "iris": {
              "versions": {
                "1": { "endpoints": ["http://10.0.0.5:8001"] },
                "2": { "endpoints": ["http://10.0.0.6:8001"] },
                "3": { "endpoints": ["http://10.0.0.7:8001"] }
              },
              "experiment": {
                "name": "iris-v2-rollout",
                "control": "control",
                "groups": [
                  { "name": "control",   "version": "1", "weight": 90 },
                  { "name": "treatment", "version": "2", "weight": 10 }
                ]
                SECTIONS
              }
            }
          }
        }
        """;

    private static string With(string sections) => Template.Replace("SECTIONS", sections, StringComparison.Ordinal);

    [Fact]
    public void Parse_DesignExample_ReadsEveryKey()
    {
        var experiment = RouterConfigParser.Parse(With("""
            , "shadow": { "version": "3", "percent": 10, "absoluteTolerance": 1e-5, "relativeTolerance": 1e-4, "timeoutSeconds": 0.5, "maxConcurrent": 8, "maxMessageBytes": 65536 },
              "guard":  { "windowSeconds": 30, "minRequests": 50, "maxErrorRateIncrease": 0.05, "maxP99LatencyRatio": 3.5 }
            """)).Models["iris"].Experiment;

        var shadow = Assert.IsType<ShadowConfig>(experiment.Shadow);
        Assert.Equal("3", shadow.Version);
        Assert.Equal(10, shadow.Percent);
        Assert.Equal(1e-5, shadow.AbsoluteTolerance);
        Assert.Equal(1e-4, shadow.RelativeTolerance);
        Assert.Equal(TimeSpan.FromMilliseconds(500), shadow.Timeout);
        Assert.Equal(8, shadow.MaxConcurrent);
        Assert.Equal(65536, shadow.MaxMessageBytes);
        var guard = Assert.IsType<GuardConfig>(experiment.Guard);
        Assert.Equal(TimeSpan.FromSeconds(30), guard.Window);
        Assert.Equal(50, guard.MinRequests);
        Assert.Equal(0.05, guard.MaxErrorRateIncrease);
        Assert.Equal(3.5, guard.MaxP99LatencyRatio);
    }

    [Fact]
    public void Parse_OnlyRequiredKeys_TakesDefaults()
    {
        var experiment = RouterConfigParser.Parse(With("""
            , "shadow": { "version": 3, "percent": 100 }, "guard": {}
            """)).Models["iris"].Experiment;

        Assert.Equal("3", experiment.Shadow!.Version);
        Assert.Equal(ShadowConfig.DefaultAbsoluteTolerance, experiment.Shadow.AbsoluteTolerance);
        Assert.Equal(ShadowConfig.DefaultRelativeTolerance, experiment.Shadow.RelativeTolerance);
        Assert.Equal(new GuardConfig(), experiment.Guard);
        Assert.Equal(TimeSpan.FromSeconds(60), experiment.Guard!.Window);
        Assert.Equal(200, experiment.Guard.MinRequests);
    }

    [Fact]
    public void Parse_WithoutSections_HasNeither()
    {
        var experiment = RouterConfigParser.Parse(With("")).Models["iris"].Experiment;
        Assert.Null(experiment.Shadow);
        Assert.Null(experiment.Guard);
    }

    [Fact]
    public void Equality_SeesAShadowOrGuardChange()
    {
        var a = RouterConfigParser.Parse(With(""", "shadow": { "version": "3", "percent": 10 }""")).Models["iris"].Experiment;
        var b = RouterConfigParser.Parse(With(""", "shadow": { "version": "3", "percent": 20 }""")).Models["iris"].Experiment;
        var c = RouterConfigParser.Parse(With(""", "shadow": { "version": "3", "percent": 10 }""")).Models["iris"].Experiment;
        Assert.NotEqual(a, b);
        Assert.Equal(a, c);
    }

    public static TheoryData<string, string> Invalid => new()
    {
        { """, "shadow": { "version": "9", "percent": 10 }""", "the shadow names unknown version '9'" },
        { """, "shadow": { "percent": 10 }""", "shadow: 'version' is required" },
        { """, "shadow": { "version": "3" }""", "shadow: 'percent' is required" },
        { """, "shadow": { "version": "3", "percent": 101 }""", "'percent' must be a number from 0 to 100 (got 101)" },
        { """, "shadow": { "version": "3", "percent": -1 }""", "'percent' must be a number from 0 to 100 (got -1)" },
        { """, "shadow": { "version": "3", "percent": "10" }""", "'percent' must be a number from 0 to 100" },
        { """, "shadow": { "version": "3", "percent": 10, "absoluteTolerance": -0.1 }""", "'absoluteTolerance' must be a number 0 or more (got -0.1)" },
        { """, "shadow": { "version": "3", "percent": 10, "relativeTolerance": -1e-9 }""", "'relativeTolerance' must be a number 0 or more" },
        { """, "shadow": { "version": "3", "percent": 10, "timeoutSeconds": 0 }""", "'timeoutSeconds' must be a number above 0" },
        { """, "shadow": { "version": "3", "percent": 10, "maxConcurrent": 0 }""", "'maxConcurrent' must be a whole number from 1" },
        { """, "shadow": { "version": "3", "percent": 10, "mirror": true }""", "shadow: unknown field 'mirror'" },
        { """, "shadow": { "version": "3", "percent": 10, "percent": 20 }""", "'percent' is defined twice" },
        { """, "guard": { "windowSeconds": 5 }""", "'windowSeconds' 5 is too short: at least 10" },
        { """, "guard": { "windowSeconds": -60 }""", "'windowSeconds' must be a number of seconds" },
        { """, "guard": { "minRequests": 0 }""", "'minRequests' must be a whole number from 1" },
        { """, "guard": { "minRequests": 2.5 }""", "'minRequests' must be a whole number" },
        { """, "guard": { "maxErrorRateIncrease": 1.5 }""", "'maxErrorRateIncrease' must be a number from 0 to 1" },
        { """, "guard": { "maxP99LatencyRatio": 1 }""", "'maxP99LatencyRatio' must be above 1" },
        { """, "guard": { "maxP99LatencyRatio": 0.5 }""", "'maxP99LatencyRatio' must be a number above 1" },
        { """, "guard": { "window": 60 }""", "guard: unknown field 'window'" },
        { """, "guard": 60""", "guard must be a JSON object" },
    };

    [Theory]
    [MemberData(nameof(Invalid))]
    public void Parse_InvalidSection_ThrowsWithReason(string sections, string reason)
    {
        var ex = Assert.Throws<RouterConfigException>(() => RouterConfigParser.Parse(With(sections)));
        Assert.Contains(reason, ex.Message, StringComparison.Ordinal);
    }
}
