using System.Text.Json;
using System.Text.Json.Serialization;
using Inference.Router.Guard;
using Inference.Router.Hosting;
using Inference.Router.Metrics;
using Inference.Router.Proxy;
using Inference.Router.Routing;

namespace Inference.Router.Admin;

/// <summary>The admin HTTP/JSON API: inspect models, change weights, roll back.</summary>
internal sealed class AdminApi(RouterState state, AdminAuth auth, RouterReadiness readiness, RouterMetrics metrics, TimeProvider time, RouterLimits limits, ILogger<AdminApi> logger)
{
    private const string SetWeightsAction = "set-weights";

    private readonly DenialLogLimiter _denials = new(time);

    /// <summary>Maps the admin port's endpoints: the admin API, /metrics, /healthz and /readyz.</summary>
    public void Map(IEndpointRouteBuilder routes)
    {
        var endpoints = routes.MapGroup("").WithMetadata(ListenerMetadata.Admin);
        var admin = endpoints.MapGroup("/admin");
        admin.AddEndpointFilter(async (context, next) =>
        {
            var (status, who) = auth.Check(context.HttpContext);
            if (status != 0)
            {
                metrics.AdminDenied(status);
                if (_denials.TryLog(out var held))
                {
                    AdminLog.Denied(logger, who, context.HttpContext.Request.Method, HeaderSafeText.Escape(context.HttpContext.Request.Path.Value), status, held);
                }

                if (status == StatusCodes.Status401Unauthorized)
                {
                    context.HttpContext.Response.Headers.WWWAuthenticate = "Bearer";
                }

                return Results.Json(new ErrorBody(status == 401 ? "missing bearer token" : "invalid token"), statusCode: status);
            }

            context.HttpContext.Items[nameof(AdminAuth)] = who;
            return await next(context);
        });
        admin.MapGet("/models", WriteModelsAsync);
        admin.MapPut("/models/{model}/experiment/weights", SetWeightsAsync);
        admin.MapPost("/models/{model}/experiment/rollback", RollbackAsync);
        admin.MapGet("/models/{model}/experiment/results", Statistics.ResultsEndpoint.GetAsync);
        endpoints.MapGet("/healthz", () => Results.Text("ok"));
        endpoints.MapGet("/readyz", () => readiness.IsReady ? Results.Text("ready") : Results.Text("not ready", statusCode: 503));
        endpoints.MapPrometheusScrapingEndpoint("/metrics");
    }

    private async Task<IResult> SetWeightsAsync(HttpContext context, string model)
    {
        var body = await ReadBodyAsync(context.Request, limits.MaxAdminBodyBytes, context.RequestAborted);
        if (body is null)
        {
            var reason = $"the body is larger than the limit of {limits.MaxAdminBodyBytes} bytes (--max-admin-body-bytes)";
            RoutingLog.AuditRefused(logger, Who(context), SetWeightsAction, HeaderSafeText.Escape(model), reason);
            metrics.AdminChange(model, SetWeightsAction, "refused");
            return Results.Json(new ErrorBody(reason), statusCode: StatusCodes.Status413PayloadTooLarge);
        }

        Dictionary<string, decimal>? weights;
        string? error;
        if (!System.Text.Unicode.Utf8.IsValid(body))
        {
            (weights, error) = (null, "the body is not UTF-8 text");
        }
        else
        {
            try
            {
                using var document = JsonDocument.Parse(body);
                (weights, error) = ReadWeights(document.RootElement);
            }
            catch (JsonException ex)
            {
                (weights, error) = (null, $"the body is not valid JSON: {ex.Message}");
            }
        }

        if (weights is null)
        {
            return Refuse(model, SetWeightsAction, Who(context), error!);
        }

        if (!TryReadIfMatch(context.Request, out var ifMatch, out error))
        {
            return Refuse(model, SetWeightsAction, Who(context), error);
        }

        return Result(context, await state.SetWeightsAsync(model, weights, Who(context), ifMatch, context.RequestAborted));
    }

    /// <summary>
    /// The optional precondition of a change: <c>If-Match: "&lt;revision&gt;"</c> with the revision (or
    /// ETag) GET /admin/models returned; several tags match any of them, <c>*</c> matches anything.
    /// </summary>
    private static bool TryReadIfMatch(HttpRequest request, out IReadOnlyCollection<long>? revisions, out string error)
    {
        revisions = null;
        error = "";
        var values = request.Headers.IfMatch;
        if (values.Count == 0)
        {
            return true;
        }

        var list = new List<long>();
        foreach (var value in values)
        {
            foreach (var part in (value ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                if (part == "*")
                {
                    return true;
                }

                if (part.Length < 3 || part[0] != '"' || part[^1] != '"'
                    || !long.TryParse(part.AsSpan(1, part.Length - 2), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var revision))
                {
                    error = $"If-Match must be the quoted revision GET /admin/models returns (its ETag), e.g. \"7\", not '{value}'";
                    return false;
                }

                list.Add(revision);
            }
        }

        if (list.Count == 0)
        {
            error = "If-Match is empty";
            return false;
        }

        revisions = list;
        return true;
    }

    private static (Dictionary<string, decimal>? Weights, string? Error) ReadWeights(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            return (null, "the body must be a JSON object of group names to weights, e.g. {\"control\": 50, \"treatment\": 50}");
        }

        var weights = new Dictionary<string, decimal>(StringComparer.Ordinal);
        foreach (var property in root.EnumerateObject())
        {
            if (property.Value.ValueKind != JsonValueKind.Number || !property.Value.TryGetDecimal(out var weight))
            {
                return (null, $"the weight of group '{property.Name}' must be a number");
            }

            if (!weights.TryAdd(property.Name, weight))
            {
                return (null, $"group '{property.Name}' is given twice");
            }
        }

        return weights.Count == 0 ? (null, "no weights given") : (weights, null);
    }

    // A body refused before it reaches the routing state is audited and counted like the state's own
    // refusals (same audit event, result="refused"), so every refused change leaves a trace.
    private IResult Refuse(string model, string action, string who, string reason)
    {
        RoutingLog.AuditRefused(logger, who, action, HeaderSafeText.Escape(model), HeaderSafeText.Escape(reason, HeaderSafeText.MaxReasonLength));
        metrics.AdminChange(model, action, "refused");
        return Results.Json(new ErrorBody(reason), statusCode: StatusCodes.Status400BadRequest);
    }

    private async Task<IResult> RollbackAsync(HttpContext context, string model) =>
        TryReadIfMatch(context.Request, out var ifMatch, out var error)
            ? Result(context, await state.RollbackAsync(model, Who(context), ifMatch, context.RequestAborted))
            : Refuse(model, "rollback", Who(context), error);

    /// <summary>The request body, or null when it is larger than <paramref name="limit"/> (read no further than that).</summary>
    private static async Task<byte[]?> ReadBodyAsync(HttpRequest request, long limit, CancellationToken cancellationToken)
    {
        if (request.ContentLength > limit)
        {
            return null;
        }

        using var buffer = new MemoryStream();
        var chunk = new byte[8192];
        while (true)
        {
            var read = await request.Body.ReadAsync(chunk, cancellationToken);
            if (read == 0)
            {
                return buffer.ToArray();
            }

            if (buffer.Length + read > limit)
            {
                return null;
            }

            buffer.Write(chunk, 0, read);
        }
    }

    private static string Who(HttpContext context) => context.Items[nameof(AdminAuth)] as string ?? "unknown";

    private static string ETag(long revision) => $"\"{revision}\"";

    private static IResult Result(HttpContext context, AdminChangeResult result)
    {
        if (result.Applied)
        {
            context.Response.Headers.ETag = ETag(result.Revision);
            return Results.Json(new ChangeBody(result.Experiment!, result.Before!, result.After!, result.Revision, result.Persisted));
        }

        if (result.StatusCode == StatusCodes.Status412PreconditionFailed)
        {
            context.Response.Headers.ETag = ETag(result.Revision);
            return Results.Json(new StaleBody(result.Error!, result.Revision), statusCode: result.StatusCode);
        }

        return Results.Json(new ErrorBody(result.Error!), statusCode: result.StatusCode);
    }

    private async Task WriteModelsAsync(HttpContext context)
    {
        var snapshot = state.Current;
        context.Response.ContentType = "application/json; charset=utf-8";
        // The revision this view was taken at: a change sent with If-Match: <this> applies only if nothing changed since.
        context.Response.Headers.ETag = ETag(snapshot?.Revision ?? 0);
        await using var writer = new Utf8JsonWriter(context.Response.Body, new JsonWriterOptions { Indented = true });
        var now = time.GetTimestamp();
        writer.WriteStartObject();
        writer.WriteNumber("revision", snapshot?.Revision ?? 0);
        writer.WriteBoolean("ready", readiness.IsReady);
        writer.WriteStartObject("models");
        foreach (var model in snapshot?.Models.Values ?? [])
        {
            writer.WriteStartObject(model.Name);
            writer.WriteStartObject("versions");
            foreach (var pool in model.Versions.Values)
            {
                writer.WriteStartObject(pool.Version);
                writer.WriteStartArray("configuredEndpoints");
                foreach (var source in pool.Sources)
                {
                    writer.WriteStringValue(source.ToString().TrimEnd('/'));
                }

                writer.WriteEndArray();
                writer.WriteStartArray("endpoints");
                foreach (var endpoint in pool.Endpoints)
                {
                    writer.WriteStartObject();
                    writer.WriteString("address", endpoint.DestinationPrefix);
                    writer.WriteString("authority", endpoint.Authority);
                    writer.WriteBoolean("healthy", endpoint.Healthy);
                    writer.WriteBoolean("ejected", endpoint.IsEjected(now));
                    writer.WriteBoolean("available", endpoint.IsAvailable(now));
                    writer.WriteNumber("inFlight", endpoint.InFlight);
                    writer.WriteEndObject();
                }

                writer.WriteEndArray();
                writer.WriteBoolean("panic", pool.Panicking);
                writer.WriteEndObject();
            }

            writer.WriteEndObject();
            var experiment = model.Experiment;
            writer.WriteStartObject("experiment");
            writer.WriteString("name", experiment.Name);
            writer.WriteBoolean("implied", model.Config.ExperimentImplied);
            if (experiment.StickyHeader is null)
            {
                writer.WriteNull("stickyHeader");
            }
            else
            {
                writer.WriteString("stickyHeader", experiment.StickyHeader);
            }

            writer.WriteBoolean("allowOverride", experiment.AllowOverride);
            writer.WriteBoolean("fallbackToControl", experiment.FallbackToControl);
            writer.WriteString("control", experiment.Control.Name);
            writer.WriteString("weightsSource", experiment.WeightsFromAdmin ? "admin" : "config");
            writer.WriteStartArray("groups");
            foreach (var group in experiment.Groups)
            {
                writer.WriteStartObject();
                writer.WriteString("name", group.Name);
                writer.WriteString("version", group.Pool.Version);
                writer.WriteNumber("weight", group.Weight);
                writer.WriteNumber("configuredWeight", experiment.Config.Groups.First(g => g.Name == group.Name).Weight);
                writer.WriteStartArray("buckets");
                writer.WriteNumberValue(group.LowerBucket);
                writer.WriteNumberValue(group.UpperBucket);
                writer.WriteEndArray();
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteStartObject("weights");
            foreach (var group in experiment.Groups)
            {
                writer.WriteNumber(group.Name, group.Weight);
            }

            writer.WriteEndObject();
            RolloutsJson.Write(writer, experiment, GuardMonitor.Seconds(time));
            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        writer.WriteEndObject();
        writer.WriteEndObject();
        await writer.FlushAsync(context.RequestAborted);
    }

    private sealed record ErrorBody(string Error);

    private sealed record StaleBody(string Error, long Revision);

    /// <param name="Persisted">Whether the state file was written; absent without --state-file.</param>
    private sealed record ChangeBody(
        string Experiment,
        IReadOnlyDictionary<string, decimal> Before,
        IReadOnlyDictionary<string, decimal> After,
        long Revision,
        [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] bool? Persisted);
}
