namespace DicomGateway.Hosting;

/// <summary>
/// Finds the directory whose appsettings.json configures this process: the current directory when it has one
/// (`dotnet run --project Gateway` from the repository root), else the directory of the executable (a copy of
/// appsettings.json is placed beside it at build time). Relative paths in settings are resolved against it.
/// </summary>
public static class ContentRoot
{
    /// <summary>The host setting that turns off reloading configuration files when they change.</summary>
    public const string ReloadConfigOnChangeKey = "hostBuilder:reloadConfigOnChange";

    public static string Locate()
    {
        var cwd = Directory.GetCurrentDirectory();
        return File.Exists(Path.Combine(cwd, "appsettings.json")) ? cwd : AppContext.BaseDirectory;
    }
}
