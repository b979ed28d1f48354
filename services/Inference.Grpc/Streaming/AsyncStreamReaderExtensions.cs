using System.Runtime.CompilerServices;

namespace Inference.Grpc;

public static class AsyncStreamReaderExtensions
{
    /// <summary>Enumerates the remaining messages with <c>await foreach</c>.</summary>
    public static async IAsyncEnumerable<T> ReadAllAsync<T>(this IAsyncStreamReader<T> reader, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(reader);
        while (await reader.MoveNextAsync(cancellationToken).ConfigureAwait(false))
        {
            yield return reader.Current;
        }
    }
}
