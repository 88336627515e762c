using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace DicomGateway.Hosting;

/// <summary>
/// Binds a feature's options class to its section and checks it when the host starts. An options class states its
/// own rules (<c>IEnumerable&lt;string&gt; Validate()</c>, one message per problem naming the setting); a wrong setting
/// then stops the gateway at start with every problem listed, instead of failing the first request that reads it.
/// </summary>
public static class OptionsValidation
{
    /// <summary>
    /// <c>AddOptions&lt;T&gt;().BindConfiguration(section).ValidateOnStart()</c> with <paramref name="rules"/> as the
    /// validator. The builder is returned so that a feature can still configure the options further.
    /// </summary>
    public static OptionsBuilder<T> AddValidatedOptions<T>(this IServiceCollection services, string section, Func<T, IEnumerable<string>> rules)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(rules);
        services.AddSingleton<IValidateOptions<T>>(new RulesValidator<T>(rules));
        return services.AddOptions<T>().BindConfiguration(section).ValidateOnStart();
    }

    /// <summary>Fails with every message the rules give, succeeds when they give none. Every named instance is checked.</summary>
    private sealed class RulesValidator<T>(Func<T, IEnumerable<string>> rules) : IValidateOptions<T> where T : class
    {
        public ValidateOptionsResult Validate(string? name, T options)
        {
            var problems = rules(options).ToList();
            return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
        }
    }
}
