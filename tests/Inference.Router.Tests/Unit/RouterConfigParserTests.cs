using Inference.Router.Configuration;

namespace Inference.Router.Tests.Unit;

public sealed class RouterConfigParserTests
{
    private const string Valid = """
        {
          "models": {
            "iris": {
              "versions": {
                "1": { "endpoints": ["http://10.0.0.5:8001", "http://10.0.0.6:8001"] },
                "2": { "endpoints": ["http://iris-v2-headless:8001"] }
              },
              "experiment": {
                "name": "iris-v2-rollout",
                "stickyHeader": "X-User-Id",
                "allowOverride": true,
                "control": "control",
                "groups": [
                  { "name": "control",   "version": "1", "weight": 90 },
                  { "name": "treatment", "version": "2", "weight": 10 }
                ]
              }
            }
          }
        }
        """;

    [Fact]
    public void Parse_DesignExample_Succeeds()
    {
        var config = RouterConfigParser.Parse(Valid);
        var iris = config.Models["iris"];
        Assert.Equal(2, iris.Versions.Count);
        Assert.Equal(new Uri("http://10.0.0.6:8001"), iris.Versions["1"].Endpoints[1]);
        Assert.Equal("iris-v2-rollout", iris.Experiment.Name);
        Assert.Equal("x-user-id", iris.Experiment.StickyHeader);
        Assert.True(iris.Experiment.AllowOverride);
        Assert.Equal(["control", "treatment"], iris.Experiment.Groups.Select(g => g.Name));
        Assert.Equal(10m, iris.Experiment.Groups[1].Weight);
        Assert.False(iris.ExperimentImplied);
    }

    [Fact]
    public void Parse_SingleVersionWithoutExperiment_ImpliesDefault()
    {
        var config = RouterConfigParser.Parse("""{"models":{"m":{"versions":{"7":{"endpoints":["http://127.0.0.1:1"]}}}},"healthCheckIntervalSeconds":0}""");
        var model = config.Models["m"];
        Assert.True(model.ExperimentImplied);
        Assert.Equal("7", Assert.Single(model.Experiment.Groups).Version);
        Assert.Equal(TimeSpan.Zero, config.HealthCheckInterval);
    }

    public static TheoryData<string, string> Invalid => new()
    {
        { "not json", "not valid JSON" },
        { "{}", "'models' is missing" },
        { """{"models":{}}""", "'models' is empty" },
        { Valid.Replace("\"control\": \"control\"", "\"control\": \"nope\""), "control group 'nope' is not one of the groups" },
        { Valid.Replace("\"version\": \"2\"", "\"version\": \"3\""), "names unknown version '3'" },
        { Valid.Replace("\"weight\": 10", "\"weight\": -1"), "negative" },
        { Valid.Replace("\"weight\": 10", "\"weight\": 0").Replace("\"weight\": 90", "\"weight\": 0"), "all weights are zero" },
        { Valid.Replace("\"name\": \"treatment\"", "\"name\": \"control\""), "group 'control' is defined twice" },
        { Valid.Replace("\"name\": \"treatment\"", "\"name\": \"pinned\""), "reserved" },
        { Valid.Replace("[\"http://iris-v2-headless:8001\"]", "[]"), "version '2' has no endpoints" },
        { Valid.Replace("http://iris-v2-headless:8001", "ftp://x:1"), "must use http://" },
        { Valid.Replace("http://iris-v2-headless:8001", "not a url"), "not an absolute URL" },
        { Valid.Replace("http://iris-v2-headless:8001", "http://x:1/path"), "without path" },
        { Valid.Replace("\"http://10.0.0.6:8001\"", "\"http://10.0.0.5:8001\""), "listed twice" },
        { Valid.Replace("\"allowOverride\"", "\"allowOverrides\""), "unknown field 'allowOverrides'" },
        { Valid.Replace("\"2\": {", "\"1\": {"), "'1' is defined twice" },
        { Valid.Replace("\"stickyHeader\": \"X-User-Id\"", "\"stickyHeader\": \"x user\""), "not a valid header name" },
        { """{"models":{"m":{"versions":{"1":{"endpoints":["http://a:1"]},"2":{"endpoints":["http://b:1"]}}}}}""", "no experiment" },
        { """{"models":{"bad name":{"versions":{"1":{"endpoints":["http://a:1"]}}}}}""", "model name 'bad name' is not valid" },
        { """{"models":{"m":{"versions":{"1":{"endpoints":["http://a:1"]}}}},"dnsRefreshSeconds":0}""", "'dnsRefreshSeconds'" },
    };

    [Theory]
    [MemberData(nameof(Invalid))]
    public void Parse_InvalidConfig_ThrowsWithReason(string json, string reason)
    {
        var ex = Assert.Throws<RouterConfigException>(() => RouterConfigParser.Parse(json));
        Assert.Contains(reason, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_Metrics_AreDeclaredInOrder()
    {
        var config = RouterConfigParser.Parse(Valid.Replace(
            "\"control\": \"control\",",
            "\"control\": \"control\", \"metrics\": [{ \"name\": \"clicked\", \"kind\": \"boolean\" }, { \"name\": \"revenue\", \"kind\": \"number\" }],",
            StringComparison.Ordinal));

        Assert.Equal(
            [new OutcomeMetricConfig("clicked", OutcomeMetricKind.Boolean), new OutcomeMetricConfig("revenue", OutcomeMetricKind.Number)],
            config.Models["iris"].Experiment.Metrics);
    }

    [Theory]
    [InlineData("""[{ "name": "clicked", "kind": "count" }]""", "has kind 'count'; kinds are 'boolean' and 'number'")]
    [InlineData("""[{ "name": "clicked", "kind": "boolean" }, { "name": "clicked", "kind": "number" }]""", "metric 'clicked' is declared twice")]
    [InlineData("""[{ "name": "clicked" }]""", "metric 'clicked' has no 'kind'")]
    [InlineData("""[{ "kind": "number" }]""", "every metric needs a 'name'")]
    [InlineData("""{ "clicked": "boolean" }""", "'metrics' must be an array")]
    [InlineData("""[{ "name": "clicked", "kind": "boolean", "unit": "1" }]""", "unknown field 'unit'")]
    public void Parse_BadMetrics_ThrowWithReason(string metrics, string reason)
    {
        var json = Valid.Replace("\"control\": \"control\",", $"\"control\": \"control\", \"metrics\": {metrics},", StringComparison.Ordinal);

        var error = Assert.Throws<RouterConfigException>(() => RouterConfigParser.Parse(json));

        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
    }
}
