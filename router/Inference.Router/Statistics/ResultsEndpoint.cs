using System.Text.Json;

namespace Inference.Router.Statistics;

/// <summary><c>GET /admin/models/{model}/experiment/results</c>: this router's statistics of the model's experiment.</summary>
internal static class ResultsEndpoint
{
    public static async Task<IResult> GetAsync(HttpContext context, string model, ExperimentResults results)
    {
        if (!results.Current().TryGetValue(model, out var tally))
        {
            return Results.Json(new { error = $"model '{model}' is not configured" }, statusCode: StatusCodes.Status404NotFound);
        }

        context.Response.ContentType = "application/json; charset=utf-8";
        await using (var writer = new Utf8JsonWriter(context.Response.Body, new JsonWriterOptions { Indented = true }))
        {
            TallyJson.Write(writer, tally);
            await writer.FlushAsync(context.RequestAborted);
        }

        return Results.Empty;
    }
}
