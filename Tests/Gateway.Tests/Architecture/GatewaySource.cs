namespace Gateway.Tests.Architecture;

/// <summary>One .cs file in a feature folder of Gateway/, with the folder it belongs to.</summary>
internal sealed record GatewaySource(string Path, string Folder, string Text)
{
    /// <summary>Every .cs file in a feature folder of Gateway/; the files directly in Gateway/ are the composition root.</summary>
    public static IReadOnlyList<GatewaySource> ReadAll()
    {
        var gateway = RepositoryRoot.Combine("Gateway");
        return [.. from path in Directory.EnumerateFiles(gateway, "*.cs", SearchOption.AllDirectories)
                   let relative = System.IO.Path.GetRelativePath(gateway, path).Replace('\\', '/')
                   let folder = relative.Split('/')[0]
                   where relative.Contains('/', StringComparison.Ordinal) && folder is not ("bin" or "obj")
                   orderby relative
                   select new GatewaySource("Gateway/" + relative, folder, File.ReadAllText(path))];
    }
}
