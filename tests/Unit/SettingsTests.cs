using Xunit;

namespace PimModule.Tests;

public class SettingsTests
{
    private static readonly PimRoleReference SecurityReader = new("Security Reader");

    [Fact]
    public void Defaults_are_entras_and_store_no_rows()
    {
        using var t = new TestStore();
        var s = t.Store.Settings.Get(SecurityReader);
        Assert.True(s.IsDefault);
        Assert.Equal(TimeSpan.FromHours(8), s.ActivationMaxDuration);
        Assert.Equal(PimActivationRequirement.Mfa, s.ActivationRequirement);
        Assert.Equal(9, s.Notifications.Count);
        Assert.All(new RolePolicy().ToRules(), r => Assert.True(RolePolicy.IsDefaultRule(r.RuleId, r.Json)));
    }

    [Fact]
    public void Each_setting_maps_to_its_entra_rule_and_back()
    {
        var p = new RolePolicy
        {
            ActivationMaxDuration = TimeSpan.FromMinutes(90), ActivationRequirement = PimActivationRequirement.AuthenticationContext,
            AuthenticationContextId = "c3", RequireJustification = false, RequireTicket = true, RequireApproval = true,
            Approvers = ["a@contoso.com"], RequireApproverJustification = false, AllowPermanentEligible = false,
            EligibleExpiresAfter = TimeSpan.FromDays(15), AllowPermanentActive = false, ActiveExpiresAfter = TimeSpan.FromDays(30),
            RequireMfaOnActiveAssignment = true, RequireJustificationOnActiveAssignment = false,
        };
        p.Notifications[(PimNotificationEvent.Activated, PimNotificationRecipient.Approver)] = new RolePolicy.NotificationRule(false, ["x@contoso.com"], true);
        var rules = p.ToRules().ToDictionary(r => r.RuleId, r => r.Json);
        Assert.Equal(16, rules.Count);
        Assert.Contains("\"maximumDuration\":\"PT1H30M\"", rules[RolePolicy.ActivationExpirationRule]);
        Assert.Contains("Ticketing", rules[RolePolicy.ActivationEnablementRule]);
        Assert.DoesNotContain("MultiFactorAuthentication", rules[RolePolicy.ActivationEnablementRule]);
        Assert.Contains("\"claimValue\":\"c3\"", rules[RolePolicy.AuthenticationContextRule]);
        Assert.Contains("\"notificationLevel\":\"Critical\"", rules["Notification_Approver_EndUser_Assignment"]);
        var back = RolePolicy.FromRules(rules.Select(kv => (kv.Key, kv.Value)));
        Assert.Equal(p.Describe(), back.Describe());
    }

    [Fact]
    public void Only_changed_rules_are_stored_and_reset_removes_them()
    {
        using var t = new TestStore();
        t.Store.Settings.Update(SecurityReader, new PimRoleSettingUpdate { RequireTicket = true });
        var s = t.Store.Settings.Get(SecurityReader);
        Assert.True(s.RequireTicket);
        Assert.False(s.IsDefault);
        Assert.Equal("admin@contoso.com", s.ModifiedBy);
        Assert.Equal(t.Clock.GetUtcNow().UtcDateTime, s.ModifiedDateTime);
        t.Store.Settings.Reset(SecurityReader);
        Assert.True(t.Store.Settings.Get(SecurityReader).IsDefault);
    }

    [Theory]
    [InlineData(29, "PimActivationDurationOutOfRange")]
    [InlineData(24 * 60 + 1, "PimActivationDurationOutOfRange")]
    public void Activation_maximum_must_be_30_minutes_to_24_hours(int minutes, string errorId)
    {
        using var t = new TestStore();
        var e = Assert.Throws<PimException>(() =>
            t.Store.Settings.Update(SecurityReader, new PimRoleSettingUpdate { ActivationMaxDuration = TimeSpan.FromMinutes(minutes) }));
        Assert.Equal(errorId, e.ErrorId);
        Assert.True(t.Store.Settings.Get(SecurityReader).IsDefault);
    }

    [Fact]
    public void Settings_changes_need_a_role_administrator_now()
    {
        using var t = new TestStore();
        var user = t.As("user1@contoso.com");
        var e = Assert.Throws<PimException>(() => user.Settings.Update(SecurityReader, new PimRoleSettingUpdate { RequireTicket = true }));
        Assert.Equal("PimNotAuthorized", e.ErrorId);
    }

    [Fact]
    public void Export_is_deterministic_and_import_is_all_or_nothing()
    {
        using var t = new TestStore();
        t.Store.Settings.Update(SecurityReader, new PimRoleSettingUpdate { RequireApproval = true, Approvers = ["a@contoso.com"] });
        var json = t.Store.Settings.Export(null);
        Assert.Equal(json, t.Store.Settings.Export(null));
        Assert.DoesNotContain("\r", json);

        using var other = new TestStore();
        var broken = json.Replace("\"Role\": \"Global Reader\"", "\"Role\": \"No Such Role\"")
                         .Replace("\"RoleId\": \"f2ef992c-3afb-46b9-b7cf-a126ee74c451\"", "\"RoleId\": null");
        var e = Assert.Throws<PimException>(() => other.Store.Settings.Import(broken, "broken.json"));
        Assert.Equal("PimRoleNotFound", e.ErrorId);
        Assert.True(other.Store.Settings.Get(SecurityReader).IsDefault);
        other.Store.Settings.Import(json, "good.json");
        Assert.Equal(json, other.Store.Settings.Export(null));
    }
}
