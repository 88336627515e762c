using System.Security.Claims;
using DicomGateway.Administration;

namespace Gateway.Tests.Administration;

/// <summary>
/// OpenID Connect is configured and its users are mapped to roles here; the sign-in itself is not exercised against a
/// real identity provider in these tests (docs/admin-api.md says so).
/// </summary>
public sealed class OidcConfigurationTests
{
    private static OidcOptions Options() => new()
    {
        Authority = "https://idp.example.org/realms/hospital",
        ClientId = "dicom-gateway",
        RoleClaim = "groups",
        Roles = new(StringComparer.OrdinalIgnoreCase)
        {
            ["administrator"] = ["pacs-admins"],
            ["Operator"] = ["radiology-staff", "pacs-admins"],
            ["auditor"] = ["privacy-office"],
        },
    };

    private static ClaimsPrincipal User(params string[] groups) =>
        new(new ClaimsIdentity(groups.Select(g => new Claim("groups", g)).Append(new Claim("preferred_username", "jnovak")), "oidc"));

    [Fact]
    public void A_user_gets_every_role_one_of_their_groups_is_mapped_to()
    {
        OidcRoleMapping.RolesOf(User("pacs-admins"), Options()).Should().Equal(AdminRoles.Administrator, AdminRoles.Operator);
        OidcRoleMapping.RolesOf(User("radiology-staff", "privacy-office", "canteen"), Options()).Should().Equal(AdminRoles.Operator, AdminRoles.Auditor);
    }

    [Fact]
    public void A_user_with_no_mapped_group_gets_no_role_and_group_names_are_compared_exactly()
    {
        OidcRoleMapping.RolesOf(User("canteen"), Options()).Should().BeEmpty();
        OidcRoleMapping.RolesOf(User("PACS-ADMINS"), Options()).Should().BeEmpty();
        OidcRoleMapping.RolesOf(User(), Options()).Should().BeEmpty();
    }

    [Fact]
    public void A_complete_configuration_is_valid_and_an_unset_authority_turns_the_feature_off()
    {
        new AdministrationOptions { Oidc = Options() }.Validate().Should().BeEmpty();
        var off = new OidcOptions();
        off.Enabled.Should().BeFalse();
        off.Validate().Should().BeEmpty();
    }

    [Fact]
    public void An_incomplete_or_unsafe_configuration_is_refused_at_start()
    {
        var problems = new OidcOptions { Authority = "http://idp.example.org", Roles = new() { ["superuser"] = ["x"] } }.Validate().ToList();
        problems.Should().Contain(p => p.Contains("https", StringComparison.Ordinal));
        problems.Should().Contain(p => p.Contains("ClientId", StringComparison.Ordinal));
        problems.Should().Contain(p => p.Contains("'superuser' is not a role", StringComparison.Ordinal));
        new OidcOptions { Authority = "https://idp.example.org", ClientId = "x" }.Validate().Should().Contain(p => p.Contains("Roles", StringComparison.Ordinal));
    }

    [Fact]
    public void A_weak_initial_password_is_refused_at_start() =>
        new AdministrationOptions { InitialAdminPassword = "short" }.Validate().Should().ContainSingle().Which.Should().Contain("InitialAdminPassword");

    [Theory]
    [InlineData("jnovak", "short", false)]
    [InlineData("jnovak", "twelve chars", true)]
    [InlineData("administrator", "Administrator", false)]
    [InlineData("jnovak", "", false)]
    public void The_password_policy_wants_twelve_characters_that_are_not_the_user_name(string username, string password, bool acceptable) =>
        (PasswordPolicy.Check(username, password) is null).Should().Be(acceptable);
}
