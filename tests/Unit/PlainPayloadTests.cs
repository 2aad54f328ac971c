using PimModule.Audit;
using PimModule.Audit.Events;
using Xunit;

namespace PimModule.Tests;

/// <summary>
/// The state replay reads the payloads a bulk import writes one a row (an assignment; a batch's queued notices) straight off
/// the reader when they are in the plain form (EventJson.ReadPlain): for every text, what it reads is what the serializer
/// reads (EventJson.Read) — the same record counts, or counts for nothing, for the same reason. Hostile spellings are left
/// to the serializer, and read as it reads them.
/// </summary>
public sealed class PlainPayloadTests
{
    private static readonly Guid Id1 = Guid.Parse("0f8fad5b-d9cb-469f-a165-70867728950e");
    private static readonly Guid Id2 = Guid.Parse("7c9e6679-7425-40de-944b-e07fc1f90ae7");
    private static readonly DateTime T0 = new(2026, 6, 1, 8, 0, 0, DateTimeKind.Utc);

    private static string Assignment(DateTime? end = null, Guid? eligible = null, string justification = "INC1: patch ü \"prod\"", string principal = "User1@Contoso.com")
        => AssignmentView.Of(new AssignmentRow(Id1, principal, RoleCatalog.PrivilegedRoleAdministrator, "/", PimAssignmentType.Active, PimMemberType.Activated,
            T0.AddTicks(1234567), end, justification, null, "ServiceNow", "admin@contoso.com", T0, Id2, eligible)).Json;

    /// <summary>The assignment texts: as the module writes them, and every way a hostile row could spell one otherwise.</summary>
    public static IEnumerable<string?> Assignments()
    {
        var plain = Assignment();
        yield return null;
        yield return plain;
        yield return Assignment(T0.AddHours(8), Id2);
        yield return Assignment(justification: "");
        yield return Assignment(justification: "\u2028 line \t tab \\ slash / \u0001");
        yield return Assignment(principal: "ünïcode@contoso.com");
        // Rewritten around the module: other spellings of the same, or of something else.
        yield return plain.Replace("\"AssignmentId\"", "\"Assignment\\u0049d\"");                  // an escaped name: the same name
        yield return plain.Replace("\"AssignmentId\"", "\"assignmentId\"");                       // another case: another name
        yield return plain.Replace("{", "{\"Extra\":[1,{\"a\":2}],");                             // a property the type does not have
        yield return plain.Replace("{", "{\"Principal\":\"other@contoso.com\",");                 // a property twice
        yield return plain.Replace("\"Scope\":\"/\"", "\"Scope\":null");
        yield return plain.Replace("\"Scope\":\"/\"", "\"Scope\":1");
        yield return plain.Replace("\"Scope\":\"/\"", "\"Scope\":[\"/\"]");
        yield return plain.Replace("\"Scope\":\"/\"", "\"Scope\":\"\\/\"");                        // an escaped value
        yield return plain.Replace(Id1.ToString("D"), Id1.ToString("B"));                         // another GUID format
        yield return plain.Replace(Id1.ToString("D"), Id1.ToString("N"));
        yield return plain.Replace(Id1.ToString("D"), Id1.ToString("D").ToUpperInvariant());
        yield return plain.Replace(Id1.ToString("D"), "not-a-guid");
        yield return plain.Replace(Id1.ToString("D"), " " + Id1.ToString("D"));
        yield return plain.Replace("2026-06-01T08:00:00.1234567Z", "2026-06-01T10:00:00.1234567+02:00");
        yield return plain.Replace("2026-06-01T08:00:00.1234567Z", "2026-06-01 08:00:00");
        yield return plain.Replace("2026-06-01T08:00:00.1234567Z", "1 June 2026");
        yield return plain.Replace("2026-06-01T08:00:00.1234567Z", "2026-02-30T08:00:00Z");
        yield return plain.Replace("2026-06-01T08:00:00.1234567Z", "not a time");
        yield return plain.Replace("\"StartDateTime\":\"2026-06-01T08:00:00.1234567Z\"", "\"StartDateTime\":20260601");
        yield return plain.Replace("\"EndDateTime\":null", "\"EndDateTime\":\"2026-06-01T09:00:00Z\"");
        yield return plain.Replace("\"Type\":\"Active\"", "\"Type\":\"Eligible\"");
        yield return plain.Replace("\"Type\":\"Active\"", "\"Type\":\"Permanent\"");
        yield return plain.Replace("\"Type\":\"Active\",", "");                                  // a property missing
        yield return plain.Replace(",", " , ").Replace(":", " :\n ");                              // whitespace
        yield return plain + " ";
        yield return plain + " x";
        yield return plain + "{}";
        yield return plain[..^1] + ",}";                                                          // a trailing comma
        yield return plain.Replace("{", "{/* c */");                                              // a comment
        yield return plain[..^1];                                                                 // cut short
        yield return plain.Replace("ServiceNow", "Service\uD800Now");                             // invalid UTF-16
        yield return plain.Replace("ServiceNow", "Service\\uD800Now");                            // an escaped lone surrogate
        yield return "\uFEFF" + plain;                                                            // a byte order mark
        yield return "null";
        yield return "[]";
        yield return "{}";
        yield return "\"text\"";
        yield return "";
        yield return "{\"AssignmentId\":" + new string('[', 100) + new string(']', 100) + "}";  // deeper than the reader goes
        yield return plain.Replace("\"Justification\":\"INC1: patch \\u00FC \\u0022prod\\u0022\"", "\"Justification\":\"" + new string('x', 5000) + "\"");
    }

    [Fact]
    public void An_assignment_payload_reads_as_the_serializer_reads_it()
    {
        var plainRead = 0;
        foreach (var json in Assignments())
        {
            var expected = EventJson.Read<AssignmentView>(json);
            var viaRead = AssignmentView.Read(json);
            // AssignmentView.Read (plain when it can be) against the serializer's reading, checked as Read checks it.
            var checkedExpected = expected is { AssignmentId: not null, Principal: not null, RoleId: not null, Scope: not null, Type: "Eligible" or "Active",
                MemberType: "Direct" or "Activated", StartDateTime: not null } ? expected : null;
            Assert.Equal(checkedExpected, viaRead);
            Assert.Equal(expected, EventJson.ReadPlain<AssignmentView>(json, PlainOf<AssignmentView>()));
            if (expected is not null) plainRead++;
        }
        Assert.True(plainRead > 10);
        // The module's own payloads are read in the plain form, exactly.
        foreach (var own0 in new[] { Assignment(), Assignment(T0.AddHours(8), Id2), Assignment(justification: "") })
            Assert.True(EventJson.TryPlain(own0, PlainOf<AssignmentView>(), out _));
        var own = AssignmentView.Read(Assignment(T0.AddHours(8), Id2))!;
        Assert.Equal((Id1, "User1@Contoso.com", T0.AddTicks(1234567), T0.AddHours(8), Id2, DateTimeKind.Utc),
            (own.AssignmentId!.Value, own.Principal!, own.StartDateTime!.Value, own.EndDateTime!.Value, own.EligibleId!.Value, own.StartDateTime!.Value.Kind));
    }

    [Fact]
    public void A_notice_list_reads_as_the_serializer_reads_it()
    {
        var plain = NotificationsQueued.Write([(Id1, "d1"), (Id2, "d2")]).Json;
        string?[] texts =
        [
            null, plain, "[]", "[null]", "[{}]", "[{\"Id\":null,\"Digest\":null}]", plain.Replace("\"Digest\":\"d1\"", "\"Digest\":1"),
            plain.Replace("\"Id\"", "\"id\""), plain.Replace("[{", "[{\"Id\":\"" + Id2 + "\","), plain.Replace("d2\"}", "d2\",\"More\":true}"),
            plain.Replace(Id1.ToString("D"), "x"), plain + "x", plain.Replace("[", "[1,"), "{}", "null", plain.Replace("d1", "d\uDC00"),
            plain.Replace("[", "[\"text\","), plain.Replace("[", "[[],"),
        ];
        foreach (var json in texts)
        {
            var expected = EventJson.Read<List<QueuedNotice?>>(json);
            var read = QueuedNotice.ReadList(json);
            Assert.Equal(expected is null, read is null);
            if (expected is not null) Assert.Equal(expected, read!);
        }
        Assert.Equal([new QueuedNotice(Id1, "d1"), new QueuedNotice(Id2, "d2")], QueuedNotice.ReadList(plain)!);
        Assert.True(EventJson.TryPlain(plain, PlainOf<QueuedNotice>("PlainList"), out _));
    }

    /// <summary>The type's own plain reader (private: reached as AssignmentView.Read reaches it).</summary>
    private static EventJson.PlainReader<T> PlainOf<T>() where T : class
        => (EventJson.PlainReader<T>)Delegate.CreateDelegate(typeof(EventJson.PlainReader<T>),
            typeof(T).GetMethod("Plain", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!);

    private static EventJson.PlainReader<List<QueuedNotice?>> PlainOf<T>(string name) where T : class
        => (EventJson.PlainReader<List<QueuedNotice?>>)Delegate.CreateDelegate(typeof(EventJson.PlainReader<List<QueuedNotice?>>),
            typeof(T).GetMethod(name, System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!);
}
