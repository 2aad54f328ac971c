namespace PimModule.Audit;

/// <summary>JSON already written (the audit log stores it as it is).</summary>
internal readonly record struct RawJson(string Json);

/// <summary>The shapes written as before/after JSON in the audit log.</summary>
internal static class AuditView
{
    /// <summary>An assignment as JSON, written directly (the bulk path writes one per row).</summary>
    public static RawJson Of(AssignmentRow a)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(384);
        using (var w = new System.Text.Json.Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("AssignmentId", a.Id);
            w.WriteString("Principal", a.Principal);
            w.WriteString("RoleId", a.RoleId);
            w.WriteString("Scope", a.Scope);
            w.WriteString("Type", a.Type == PimAssignmentType.Eligible ? "Eligible" : "Active");
            w.WriteString("MemberType", a.MemberType == PimMemberType.Direct ? "Direct" : "Activated");
            w.WriteString("StartDateTime", a.Start);
            if (a.End is { } end) w.WriteString("EndDateTime", end); else w.WriteNull("EndDateTime");
            Text(w, "Justification", a.Justification);
            Text(w, "TicketNumber", a.TicketNumber);
            Text(w, "TicketSystem", a.TicketSystem);
            // An activation names the eligible assignment it came from (removing that eligibility ends it): sealed, so
            // that a row pointed elsewhere around the module is not believed.
            if (a.EligibleId is { } eligible) w.WriteString("EligibleId", eligible);
            w.WriteEndObject();
        }
        return new RawJson(System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan));
    }

    private static void Text(System.Text.Json.Utf8JsonWriter w, string name, string? value)
    {
        if (value is null) w.WriteNull(name); else w.WriteString(name, value);
    }

    public static object Of(PimRole r) => new { r.Name, r.Id, r.Description, r.IsBuiltIn, r.IsPrivileged };
}
