using DicomGateway.Audit;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace DicomGateway.Administration;

/// <summary>
/// On the first start (no account at all) creates the administrator "admin". Its password is
/// Administration:InitialAdminPassword when set; otherwise a random one-time password, written once to the log at
/// Warning: the one secret the gateway ever logs, because someone has to be able to sign in, and it must be changed
/// at the first sign-in.
/// </summary>
public sealed partial class InitialAdministrator(AccountStore accounts, PasswordSignIn passwords, IOptions<AdministrationOptions> options,
    ILogger<InitialAdministrator> logger) : IHostedService
{
    public const string Username = "admin";

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (await accounts.CountAsync(cancellationToken).ConfigureAwait(false) > 0) return;
        var configured = options.Value.InitialAdminPassword;
        var password = string.IsNullOrEmpty(configured) ? PasswordSignIn.NewOneTimePassword() : configured;
        var id = await accounts.CreateAsync(Username, "Administrator", passwords.Hash(password), [AdminRoles.Administrator],
            mustChangePassword: string.IsNullOrEmpty(configured), new AuditEvent
            {
                EventId = AuditEventIds.SecurityAlert,
                EventType = AuditEventTypes.SecurityConfiguration,
                Action = AuditAction.Create,
                ActorKind = AuditActorKind.Gateway,
                Actor = "gateway",
                Detail = new { what = "initial administrator created", username = Username, passwordFrom = string.IsNullOrEmpty(configured) ? "one-time" : "configuration" },
            }, cancellationToken).ConfigureAwait(false);
        if (id is null) return;
        if (string.IsNullOrEmpty(configured)) LogOneTimePassword(Username, password);
        else LogConfiguredPassword(Username);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(EventId = 9010, Level = LogLevel.Warning, Message =
        "\n**********************************************************************\n" +
        "  FIRST START: administrator account '{Username}' created.\n" +
        "  One-time password: {OneTimePassword}\n" +
        "  Sign in at /admin and change it now; it is shown only this once.\n" +
        "**********************************************************************")]
    private partial void LogOneTimePassword(string username, string oneTimePassword);

    [LoggerMessage(EventId = 9011, Level = LogLevel.Information, Message = "First start: administrator account '{Username}' created with the password from Administration:InitialAdminPassword")]
    private partial void LogConfiguredPassword(string username);
}
