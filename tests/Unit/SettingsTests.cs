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

    // ---- the settings table (issue 12): one descriptor per setting ----------------------------------

    [Fact]
    public void Every_setting_of_the_table_has_its_output_property_in_table_order()
    {
        var names = RoleSettings.All.Select(x => x.Name).ToList();
        var properties = typeof(PimRoleSetting).GetProperties().Select(x => x.Name).ToList();
        Assert.Equal(["Role", "RoleId", .. names, "Notifications", "IsDefault", "ModifiedBy", "ModifiedDateTime"], properties);
        Assert.Equal(names, PimRoleSettingUpdate.SettingNames);
        Assert.Equal(names.Count, RoleSettings.CheckOrder.Count);
    }

    [Fact]
    public void Patterns_live_in_pimmodules_own_rule_written_only_when_set()
    {
        Assert.DoesNotContain(new RolePolicy().ToRules(), r => r.RuleId == RolePolicy.TextPatternRule);
        var p = new RolePolicy { JustificationPattern = "^[A-Z].{9,}", TicketPattern = "^(INC|CHG)[0-9]{6}$" };
        var rules = p.ToRules().ToDictionary(r => r.RuleId, r => r.Json);
        Assert.Equal(17, rules.Count);
        Assert.Equal("""{"justificationPattern":"^[A-Z].{9,}","ticketPattern":"^(INC|CHG)[0-9]{6}$"}""", rules[RolePolicy.TextPatternRule]);
        Assert.False(RolePolicy.IsDefaultRule(RolePolicy.TextPatternRule, rules[RolePolicy.TextPatternRule]));
        var back = RolePolicy.FromRules(rules.Select(kv => (kv.Key, kv.Value)));
        Assert.Equal(p.JustificationPattern, back.JustificationPattern);
        Assert.Equal(p.TicketPattern, back.TicketPattern);
        Assert.Equal(p.Describe(), back.Describe());
    }

    [Fact]
    public void Patterns_are_checked_on_activation_and_admin_text_an_absent_value_counting_as_empty()
    {
        var p = new RolePolicy { RequireJustification = false, JustificationPattern = "^[A-Z]", TicketPattern = "^(INC[0-9]+)?$" };
        var e = Assert.Throws<PimException>(() => p.CheckActivationText("Security Reader", "lowercase", null));
        Assert.Equal("PimJustificationInvalid", e.ErrorId);
        Assert.Contains("'^[A-Z]'", e.Message);
        e = Assert.Throws<PimException>(() => p.CheckActivationText("Security Reader", null, null));
        Assert.Equal("PimJustificationInvalid", e.ErrorId);
        p.CheckActivationText("Security Reader", "Upper", null); // no ticket: "" matches the optional pattern
        e = Assert.Throws<PimException>(() => p.CheckAdminText("Security Reader", PimAssignmentType.Eligible, "Upper", "CHG1"));
        Assert.Equal("PimTicketInvalid", e.ErrorId);
        Assert.Contains("'^(INC[0-9]+)?$'", e.Message);
        p.CheckAdminText("Security Reader", PimAssignmentType.Eligible, "Upper", "INC42");
    }

    [Fact]
    public void A_catastrophic_pattern_runs_in_linear_time()
    {
        var p = new RolePolicy { RequireJustification = false, JustificationPattern = "^(a+)+$" };
        var text = new string('a', 100_000) + "!";
        var watch = System.Diagnostics.Stopwatch.StartNew();
        Assert.Throws<PimException>(() => p.CheckActivationText("Security Reader", text, null));
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(2), $"took {watch.Elapsed}");
    }

    [Theory]
    [InlineData(@"(a)\1", "PimPatternInvalid")]
    [InlineData("(?=INC)INC", "PimPatternInvalid")]
    [InlineData("(?<!x)y", "PimPatternInvalid")]
    [InlineData("(?>a+)b", "PimPatternInvalid")]
    [InlineData("[unclosed", "PimPatternInvalid")]
    [InlineData("a\u0007", "PimInputInvalid")]
    public void A_pattern_that_does_not_run_under_NonBacktracking_is_refused_when_set(string pattern, string errorId)
    {
        using var t = new TestStore();
        var e = Assert.Throws<PimException>(() => t.Store.Settings.Update(SecurityReader, new PimRoleSettingUpdate { ["TicketPattern"] = pattern }));
        Assert.Equal(errorId, e.ErrorId);
        Assert.True(t.Store.Settings.Get(SecurityReader).IsDefault);
    }

    [Fact]
    public void A_pattern_is_at_most_500_characters()
    {
        using var t = new TestStore();
        var e = Assert.Throws<PimException>(() => t.Store.Settings.Update(SecurityReader, new PimRoleSettingUpdate { ["JustificationPattern"] = new string('a', 501) }));
        Assert.Equal("PimInputTooLong", e.ErrorId);
        t.Store.Settings.Update(SecurityReader, new PimRoleSettingUpdate { ["JustificationPattern"] = new string('a', 500) });
    }

    [Fact]
    public void Setting_an_empty_pattern_clears_it_and_its_rule_row()
    {
        using var t = new TestStore();
        t.Store.Settings.Update(SecurityReader, new PimRoleSettingUpdate { ["TicketPattern"] = "^INC", ["justificationpattern"] = "." });
        var s = t.Store.Settings.Get(SecurityReader);
        Assert.Equal("^INC", s.TicketPattern);
        Assert.Equal(".", s.JustificationPattern);
        Assert.False(s.IsDefault);
        t.Store.Settings.Update(SecurityReader, new PimRoleSettingUpdate { ["TicketPattern"] = "" });
        Assert.Null(t.Store.Settings.Get(SecurityReader).TicketPattern);
        t.Store.Settings.Update(SecurityReader, new PimRoleSettingUpdate { ["JustificationPattern"] = "" });
        s = t.Store.Settings.Get(SecurityReader);
        Assert.Null(s.JustificationPattern);
        Assert.True(s.IsDefault); // no row left
    }

    [Fact]
    public void Patterns_are_exported_when_set_and_imported()
    {
        using var t = new TestStore();
        var plain = t.Store.Settings.Export(null);
        Assert.DoesNotContain("Pattern", plain); // a store without patterns exports as before
        t.Store.Settings.Update(SecurityReader, new PimRoleSettingUpdate { ["TicketPattern"] = "^INC[0-9]+$" });
        var json = t.Store.Settings.Export(null);
        Assert.Contains("\"TicketPattern\": \"^INC[0-9]+$\"", json);
        Assert.DoesNotContain("JustificationPattern", json);
        using var other = new TestStore();
        other.Store.Settings.Import(json, "patterns.json");
        Assert.Equal("^INC[0-9]+$", other.Store.Settings.Get(SecurityReader).TicketPattern);
        Assert.Equal(json, other.Store.Settings.Export(null));
        var bad = json.Replace("\"^INC[0-9]+$\"", "\"(?=INC)\"");
        using var third = new TestStore();
        Assert.Equal("PimPatternInvalid", Assert.Throws<PimException>(() => third.Store.Settings.Import(bad, "bad.json")).ErrorId);
    }

    [Fact]
    public void The_update_names_settings_by_name_and_refuses_unknown_ones()
    {
        var u = new PimRoleSettingUpdate { RequireTicket = true, ["ticketpattern"] = "x" };
        Assert.True(u.Names("RequireTicket"));
        Assert.Equal(true, u.RequireTicket);
        Assert.Equal("x", u["TicketPattern"]);
        Assert.Null(u.RequireApproval);
        Assert.Throws<ArgumentException>(() => u["NoSuchSetting"] = 1);
    }
}
