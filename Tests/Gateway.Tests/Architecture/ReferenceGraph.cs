namespace Gateway.Tests.Architecture;

/// <summary>A depth-first search for a cycle in a small directed graph, reported as the path that closes it.</summary>
internal static class ReferenceGraph
{
    /// <summary>A cycle as "A, B, C, A", or null when the graph has none. Nodes are visited in the order given.</summary>
    public static IReadOnlyList<string>? FindCycle(IEnumerable<string> nodes, Func<string, IEnumerable<string>> edges)
    {
        var done = new HashSet<string>(StringComparer.Ordinal);
        var path = new List<string>();
        foreach (var node in nodes)
        {
            if (Visit(node, edges, done, path) is { } cycle) return cycle;
        }
        return null;
    }

    private static List<string>? Visit(string node, Func<string, IEnumerable<string>> edges, HashSet<string> done, List<string> path)
    {
        if (path.IndexOf(node) is var at and >= 0) return [.. path[at..], node];
        if (done.Contains(node)) return null;
        path.Add(node);
        foreach (var next in edges(node))
        {
            if (Visit(next, edges, done, path) is { } cycle) return cycle;
        }
        path.RemoveAt(path.Count - 1);
        done.Add(node);
        return null;
    }
}
