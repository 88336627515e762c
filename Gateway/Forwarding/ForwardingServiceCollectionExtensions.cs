using DicomGateway.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace DicomGateway.Forwarding;

public static class ForwardingServiceCollectionExtensions
{
    /// <summary>
    /// Registers the forwarding queue, the Storage SCU that sends it and the administration endpoints, bound to the
    /// "Forwarding" section. Requires the database, the blob store, the audit trail, an ISecretProtector and the node registry.
    /// </summary>
    public static IServiceCollection AddForwarding(this IServiceCollection services)
    {
        services.AddOptions<ForwardingOptions>().BindConfiguration(ForwardingOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<ForwardingOptions>, Validator>();
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<ForwardQueue>();
        services.AddSingleton<StudyForwarder>();
        services.AddSingleton<IAdminEndpoints, ForwardEndpoints>();
        services.AddHostedService<ForwardingService>();
        return services;
    }

    private sealed class Validator : IValidateOptions<ForwardingOptions>
    {
        public ValidateOptionsResult Validate(string? name, ForwardingOptions options)
        {
            var problems = options.Validate().ToList();
            return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
        }
    }
}
