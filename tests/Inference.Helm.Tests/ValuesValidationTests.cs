using Inference.Helm.Tests.Support;

namespace Inference.Helm.Tests;

/// <summary>Mistakes in values stop `helm install` with a message that says what to fix.</summary>
public sealed class ValuesValidationTests
{
    private const string Iris = """
        models:
          iris:
            experiment:
              name: rollout
              control: control
              groups:
                - {name: control, version: "1", weight: 90}
                - {name: treatment, version: "2", weight: 10}
            versions:
              "1": {artifact: {image: {repository: r/iris, tag: "1"}}}
              "2": {artifact: {image: {repository: r/iris, tag: "2"}}}

        """;

    public static TheoryData<string, string> Mistakes => new()
    {
        { Iris + "modelz: {}\n", "additional property \"modelz\" is not allowed" },
        { Iris.Replace("version: \"2\", weight: 10", "version: \"3\", weight: 10"), "models.iris.experiment.groups[1] (treatment): version \"3\" is not in models.iris.versions (1, 2)" },
        { Iris.Replace("control: control", "control: baseline"), "models.iris.experiment.control: \"baseline\" is not one of its groups" },
        { Iris.Replace("weight: 90", "weight: 0").Replace("weight: 10", "weight: 0"), "the weights add up to 0" },
        { Iris.Replace("weight: 10", "weight: -1"), "models.iris.experiment.groups[1].weight: must be >= 0" },
        { Iris.Replace("name: treatment", "name: pinned"), "models.iris.experiment.groups[1].name: must not match" },
        { Iris.Replace("name: treatment", "name: control"), "group \"control\" appears twice" },
        { Iris.Replace("\"2\": {artifact:", "\"1.0\": {artifact:").Replace("\"1\": {artifact:", "\"1-0\": {artifact:").Replace("version: \"1\"", "version: \"1-0\"").Replace("version: \"2\"", "version: \"1.0\""), "is already used by models.iris.versions.1-0" },
        { Iris.Replace("{image: {repository: r/iris, tag: \"2\"}}", "{image: {repository: r/iris, tag: \"2\"}, download: {url: \"https://x/m.onnx\", sha256: \"00\"}}"), "models.iris.versions.2.artifact: must match exactly one schema in oneOf (matched 2)" },
        { Iris.Replace("{image: {repository: r/iris, tag: \"2\"}}", "{download: {url: \"https://x/m.onnx\", sha256: \"abc\"}}"), "models.iris.versions.2.artifact.download.sha256: \"abc\" does not match pattern" },
        { Iris.Replace("tag: \"2\"", "tag: 2"), "models.iris.versions.2.artifact.image.tag: invalid type: expected string, given integer" },
        { Iris.Replace("  iris:", "  Iris_Model:"), "models.Iris_Model (name): \"Iris_Model\" does not match pattern" },
        { Iris.Replace("      name: rollout\n", ""), "models.iris.experiment: missing property \"name\"" },
        { Iris + "router: {mode: mesh}\n", "router.mode: must be one of [\"gateway\",\"sidecar\"]" },
        // The key is also the token file's name under the mounted Secret folder.
        { Iris + "router: {adminToken: {existingSecret: ops, existingSecretKey: tokens/admin}}\n", "router.adminToken.existingSecretKey: \"tokens/admin\" does not match pattern" },
        { Iris + "router: {state: {persistence: {enabled: true}}}\n", "router.state.persistence needs router.replicas: 1" },
        { Iris + "networkPolicy: {enabled: true, routerClients: [{}]}\n", "networkPolicy.routerClients[0]: must have at least 1 properties" },
        { Iris + "router: {drainDelaySeconds: 10, terminationGracePeriodSeconds: 30}\n", "router.terminationGracePeriodSeconds (30) must be at least router.drainDelaySeconds + 25 (35)" },
        // A budget of 0 allows no voluntary eviction: every node drain would hang on these pods.
        { Iris + "modelServer: {pdb: {maxUnavailable: 0}}\n", "modelServer.pdb.maxUnavailable: must match exactly one schema in oneOf (matched 0)" },
        { Iris + "router: {pdb: {maxUnavailable: \"0%\"}}\n", "router.pdb.maxUnavailable: must match exactly one schema in oneOf (matched 0)" },
        { Iris + "router: {pdb: {maxUnavailable: \"101%\"}}\n", "router.pdb.maxUnavailable: must match exactly one schema in oneOf (matched 0)" },
        { Iris + "prometheusRule: {enabled: true, weightDivergenceFor: 5 minutes}\n", "prometheusRule.weightDivergenceFor: \"5 minutes\" does not match pattern" },
        { Iris + "prometheusRule: {enabled: true, routerSelector: \"{job=\\\"r\\\"}\"}\n", "prometheusRule.routerSelector: \"{job=\\\"r\\\"}\" does not match pattern" },
        { Iris.Replace("{image: {repository: r/iris, tag: \"2\"}}", "{download: {url: \"https://x/m.onnx\", sha256: \"" + new string('a', 64) + "\"}}") + "modelServer: {downloadVolumeSizeLimit: 2 GB}\n", "\"2 GB\" is not a size the chart can add up" },
    };

    [PeerTheory(Peers.GoRenderer)]
    [InlineData("1", 1.0)]
    [InlineData("3", 3.0)]
    [InlineData("\"25%\"", "25%")]
    [InlineData("\"100%\"", "100%")]
    public async Task Values_DisruptionBudgetsThatLetAPodGo_AreAccepted(string yaml, object expected)
    {
        var chart = await ChartRenderer.RenderYamlAsync(Iris + $"modelServer: {{pdb: {{maxUnavailable: {yaml}}}}}\nrouter: {{pdb: {{maxUnavailable: {yaml}}}}}\n");

        var budgets = chart.OfKind("PodDisruptionBudget").ToList();
        Assert.Equal(3, budgets.Count); // two versions and the router
        Assert.All(budgets, b => Assert.Equal(expected.ToString(), b.Spec["maxUnavailable"]!.ToString()));
    }

    [PeerTheory(Peers.GoRenderer)]
    [MemberData(nameof(Mistakes))]
    public async Task Values_Mistakes_FailRenderingWithAReason(string values, string reason)
    {
        var error = await Assert.ThrowsAsync<RenderFailedException>(() => ChartRenderer.RenderYamlAsync(values));

        Assert.Contains(reason, error.Message);
    }

    [PeerFact(Peers.GoRenderer)]
    public async Task Values_ValidBaseOfTheMistakes_Renders()
    {
        var chart = await ChartRenderer.RenderYamlAsync(Iris);

        Assert.Equal(2, ModelServerTests.ModelServerObjects(chart, "Deployment", "iris").Count());
    }

    [PeerFact(Peers.GoRenderer)]
    public async Task Values_Defaults_DeployNothingAndSaySo()
    {
        var chart = await ChartRenderer.RenderAsync();

        Assert.Empty(chart.Manifests);
        Assert.Contains("No models are defined, so nothing was deployed.", chart.Notes);
    }

    [PeerFact(Peers.GoRenderer)]
    public async Task Values_NullInAnOverrideFile_RetiresAVersion()
    {
        var chart = await ChartRenderer.RenderYamlAsync(
            """
            models:
              iris:
                experiment:
                  groups: [{name: control, version: "2", weight: 100}]
                versions:
                  "1": null
            """,
            Path.Combine(RepoPaths.ChartCiFolder, "gateway-two-versions.yaml"));

        Assert.Empty(ModelServerTests.ModelServerObjects(chart, "Deployment", "iris", "1"));
        Assert.Single(ModelServerTests.ModelServerObjects(chart, "Deployment", "iris", "2"));
        Assert.DoesNotContain("inference-iris-v1.", RouterTests.RouterJson(chart));
    }

    [PeerFact(Peers.GoRenderer)]
    public async Task Chart_SchemaAndCiExamples_Exist()
    {
        string[] expected = ["gateway-two-versions.yaml", "sidecar.yaml", "three-models.yaml"];
        Assert.All(expected, f => Assert.True(File.Exists(Path.Combine(RepoPaths.ChartCiFolder, f)), $"ci/{f} is missing"));
        using var schema = System.Text.Json.JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(RepoPaths.Chart, "values.schema.json")));
        Assert.Equal("http://json-schema.org/draft-07/schema#", schema.RootElement.GetProperty("$schema").GetString());
    }
}
