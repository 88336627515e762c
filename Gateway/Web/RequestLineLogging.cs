using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace DicomGateway.Web;

/// <summary>
/// Keeps request paths out of the log whatever the logging settings say. The framework's request lines ("Request
/// starting HTTP/1.1 GET /s/...", the matched endpoint, HTTP logging, static files, Kestrel's bad-request details)
/// carry the path, and a path may hold a recipient's link token (links of the earlier form) or another identifier:
/// from these categories only warnings and errors pass. Every filter rule is given the floor, so no rule from
/// appsettings.json, the environment or a logging provider (NLog drops the framework's own default filter) lowers it.
/// </summary>
public static class RequestLineLogging
{
    /// <summary>The lowest level logged from <see cref="Categories"/>.</summary>
    public const LogLevel Floor = LogLevel.Warning;

    /// <summary>The framework's categories that log request paths, each with the categories below it.</summary>
    public static IReadOnlyList<string> Categories { get; } =
    [
        "Microsoft.AspNetCore.Hosting.Diagnostics",
        "Microsoft.AspNetCore.Routing",
        "Microsoft.AspNetCore.HttpLogging",
        "Microsoft.AspNetCore.StaticFiles",
        "Microsoft.AspNetCore.Server.Kestrel",
    ];

    /// <summary>Whether a message of <paramref name="level"/> from <paramref name="category"/> may be logged at all.</summary>
    public static bool Allows(string? category, LogLevel level) => level >= Floor || !IsRequestLineCategory(category);

    internal static IServiceCollection AddRequestLineFloor(this IServiceCollection services) =>
        services.PostConfigure<LoggerFilterOptions>(ApplyFloor);

    /// <summary>
    /// Wraps the filter of every rule, and adds a catch-all rule for messages no rule matches: whichever rule the
    /// logger factory selects for a category, the floor applies.
    /// </summary>
    internal static void ApplyFloor(LoggerFilterOptions options)
    {
        for (var i = 0; i < options.Rules.Count; i++)
        {
            var rule = options.Rules[i];
            var inner = rule.Filter;
            options.Rules[i] = new LoggerFilterRule(rule.ProviderName, rule.CategoryName, rule.LogLevel,
                (provider, category, level) => Allows(category, level) && (inner is null || inner(provider, category, level)));
        }
        // First in the list, so that any equally general rule configured later still wins, wrapped as above.
        options.Rules.Insert(0, new LoggerFilterRule(null, null, options.MinLevel, (_, category, level) => Allows(category, level)));
    }

    private static bool IsRequestLineCategory(string? category)
    {
        if (category is null) return false;
        foreach (var prefix in Categories)
        {
            if (category.StartsWith(prefix, StringComparison.OrdinalIgnoreCase) && (category.Length == prefix.Length || category[prefix.Length] == '.')) return true;
        }
        return false;
    }
}
