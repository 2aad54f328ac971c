using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using OxyPlot;
using OxyPlot.Axes;
using OxyPlot.Legends;
using OxyPlot.Series;

namespace PimModule.Reports;

/// <summary>
/// The report as one HTML file that needs nothing else: no request leaves it. Its Content-Security-Policy is
/// <c>default-src 'none'</c>, with its one inline script and one inline style allowed by their SHA-256 (computed here, over
/// the exact text written) and the charts as images of <c>data:</c> SVG (drawn by OxyPlot, whose SVG writer escapes
/// every text; an SVG shown as an image runs no script). Every value from the store is written as escaped text
/// (<see cref="Text"/>) or escaped JSON (<see cref="Json"/>), never as markup.
/// </summary>
internal static class HtmlReport
{
    private const double ChartWidth = 960, ChartHeight = 340;
    private const int MaxSeriesRoles = 6;

    /// <summary>The inline style: the only one (its hash is in the policy).</summary>
    internal const string Style = """
        :root { color-scheme: light; --ink: #1b1f24; --muted: #57606a; --line: #d0d7de; --accent: #0b5cad; --bad: #b42318; --ok: #1a7f37; }
        * { box-sizing: border-box; }
        body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); background: #f6f8fa; }
        header { background: #0b3d6e; color: #fff; padding: 20px 32px; }
        header h1 { margin: 0 0 4px; font-size: 22px; }
        header p { margin: 0; opacity: .85; }
        main { max-width: 1040px; margin: 0 auto; padding: 20px 24px 48px; }
        section { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 16px 20px; margin: 16px 0; }
        h2 { font-size: 17px; margin: 0 0 10px; }
        .cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(180px, 1fr)); gap: 12px; }
        .card { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 12px 16px; }
        .card b { display: block; font-size: 24px; }
        .card span { color: var(--muted); }
        img.chart { display: block; width: 100%; height: auto; }
        table { border-collapse: collapse; width: 100%; margin-top: 8px; }
        th, td { text-align: left; padding: 6px 8px; border-bottom: 1px solid var(--line); vertical-align: top; overflow-wrap: anywhere; }
        th { background: #f0f3f6; cursor: pointer; user-select: none; }
        td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
        .empty { color: var(--muted); font-style: italic; }
        .valid { color: var(--ok); font-weight: 600; }
        .invalid { color: var(--bad); font-weight: 600; }
        .note { color: var(--muted); font-size: 12px; }
        """;

    /// <summary>The inline script: the only one (its hash is in the policy). Sorts a table by the column clicked; reads no data as markup.</summary>
    internal const string Script = """
        (function () {
          'use strict';
          function key(cell) {
            var t = cell.getAttribute('data-sort') || cell.textContent || '';
            var n = Number(t.replace(/[, ]/g, ''));
            return t !== '' && !isNaN(n) ? n : t.toLowerCase();
          }
          document.querySelectorAll('table.sortable').forEach(function (table) {
            table.querySelectorAll('th').forEach(function (th) {
              th.addEventListener('click', function () {
                var body = table.tBodies[0], i = th.cellIndex, up = th.getAttribute('aria-sort') !== 'ascending';
                var rows = Array.prototype.slice.call(body.rows);
                rows.sort(function (a, b) {
                  var x = key(a.cells[i]), y = key(b.cells[i]);
                  return (x < y ? -1 : x > y ? 1 : 0) * (up ? 1 : -1);
                });
                table.querySelectorAll('th').forEach(function (h) { h.removeAttribute('aria-sort'); });
                th.setAttribute('aria-sort', up ? 'ascending' : 'descending');
                rows.forEach(function (r) { body.appendChild(r); });
              });
            });
          });
          document.documentElement.setAttribute('data-pim-report', 'ready');
        })();
        """;

    /// <summary>'sha256-…' of a text as the page holds it (UTF-8), for the policy.</summary>
    internal static string Hash(string text) => "'sha256-" + Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(text))) + "'";

    /// <summary>The Content-Security-Policy of the page: nothing but its own hashed script and style, and data: images.</summary>
    internal static string Policy => $"default-src 'none'; script-src {Hash(Script)}; style-src {Hash(Style)}; img-src data:; base-uri 'none'; form-action 'none'";

    /// <summary>Text for an element's content or a double-quoted attribute: &lt; &gt; &amp; " ' escaped.</summary>
    internal static string Text(string? value) => WebUtility.HtmlEncode(value ?? "");

    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        // The default encoder escapes < > & ' " and every non-ASCII character: no text in the data can close its element.
        Encoder = JavaScriptEncoder.Default,
        WriteIndented = false,
    };

    /// <summary>Data as JSON that is safe inside a script element of type application/json.</summary>
    internal static string Json(object value) => JsonSerializer.Serialize(value, JsonOptions);

    /// <summary>A long text (an alert that names thousands of holders) cut for the page; Get-PimAlert has all of it.</summary>
    internal static string Clip(string? text, int max = 600) => text is null || text.Length <= max ? text ?? "" : text[..(max - 1)] + "…";

    private static string N(long n) => n.ToString("N0", CultureInfo.InvariantCulture);
    private static string Utc(DateTime t) => t.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture);

    private static string Wait(long? ticks)
    {
        if (ticks is not { } t) return "–";
        var span = TimeSpan.FromTicks(Math.Max(0, t));
        return span.TotalMinutes < 1 ? $"{span.TotalSeconds.ToString("0", CultureInfo.InvariantCulture)} s"
            : span.TotalHours < 1 ? $"{span.TotalMinutes.ToString("0.#", CultureInfo.InvariantCulture)} min"
            : $"{span.TotalHours.ToString("0.#", CultureInfo.InvariantCulture)} h";
    }

    public static string Render(ReportData d)
    {
        var html = new StringBuilder(64 * 1024);
        html.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
        html.Append("<meta http-equiv=\"Content-Security-Policy\" content=\"").Append(Text(Policy)).Append("\">\n");
        html.Append("<meta name=\"referrer\" content=\"no-referrer\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
        html.Append("<title>PIM report ").Append(Text(Utc(d.Since))).Append(" – ").Append(Text(Utc(d.Until))).Append("</title>\n");
        html.Append("<style>").Append(Style).Append("</style>\n</head>\n<body>\n");

        html.Append("<header><h1>Privileged Identity Management report</h1><p>")
            .Append(Text($"{Utc(d.Since)} to {Utc(d.Until)} · store {d.Location} ({d.IdentityMode}) · made by {d.Actor} at {Utc(d.GeneratedAt)}"))
            .Append("</p></header>\n<main>\n");

        var activations = d.ActivationsPerDay.Sum(a => a.Count);
        var permanent = d.Privileged.Sum(p => p.Permanent);
        var inForce = d.Assignments.Where(a => a.State == "Active").Sum(a => a.Count);
        html.Append("<div class=\"cards\">");
        Card(html, N(inForce), "assignments in force");
        Card(html, N(activations), "activations in the period");
        Card(html, N(permanent), "permanent privileged assignments");
        Card(html, N(d.Alerts.Count), "open alerts");
        html.Append("</div>\n");

        Section(html, "activations", "Activations per day by role", ActivationsChart(d),
            "No activation was provisioned in this period.", "Provisioned activation requests, by the UTC day they were made.");
        html.Append("</section>\n");
        Section(html, "approval", "Time from request to approval", ApprovalChart(d),
            "No activation was approved in this period.", "Median and 90th percentile per role, of the activations an approver approved.");
        Table(html, ["Role", "Approved", "Median", "90th percentile"], d.ApprovalWaits.OrderBy(w => d.RoleName(w.Role), StringComparer.OrdinalIgnoreCase)
            .Select(w => new[] { Cell(d.RoleName(w.Role)), Num(w.Count), Cell(Wait(w.Median), w.Median), Cell(Wait(w.P90), w.P90) }));
        html.Append("</section>\n");

        Section(html, "assignments", "Assignments by type and state", AssignmentsChart(d),
            "The store holds no assignment.", "Every assignment the store holds, now: eligible, active (assigned directly) and active (activated).");
        Table(html, ["Type", "Member type", "State", "Assignments"], d.Assignments.OrderBy(a => a.Type).ThenBy(a => a.MemberType).ThenBy(a => a.State)
            .Select(a => new[] { Cell(a.Type), Cell(a.MemberType), Cell(a.State), Num(a.Count) }));
        html.Append("</section>\n");

        Section(html, "privileged", "Permanent and time-bound privileged assignments", PrivilegedChart(d),
            "No privileged role is assigned.", "Direct assignments of privileged roles that have not ended: permanent ones are what PIM asks to avoid.");
        Table(html, ["Role", "Type", "Permanent", "Time-bound"], d.Privileged.OrderBy(p => d.RoleName(p.Role), StringComparer.OrdinalIgnoreCase).ThenBy(p => p.Type)
            .Select(p => new[] { Cell(d.RoleName(p.Role)), Cell(p.Type), Num(p.Permanent), Num(p.TimeBound) }));
        html.Append("</section>\n");

        html.Append("<section id=\"alerts\"><h2>Open alerts</h2>");
        if (d.Alerts.Count == 0) html.Append("<p class=\"empty\">No alert fires now.</p>");
        else Table(html, ["Alert", "Severity", "Count", "What it found", "Fix", "Principals"], d.Alerts.Select(a => new[]
        {
            Cell(a.AlertType), Cell(a.Severity), Num(a.Count), Cell(Clip(a.Description)), Cell(Clip(a.Fix)),
            Cell(string.Join(", ", a.Principals.Take(10)) + (a.Principals.Length > 10 ? $" and {a.Principals.Length - 10} more" : "")),
        }));
        html.Append("</section>\n");

        Section(html, "requesters", "Most active requesters", RequestersChart(d),
            "Nobody asked for an activation in this period.", "Activation requests made in the period, whatever became of them.");
        Table(html, ["Principal", "Requests"], d.Requesters.Select(r => new[] { Cell(r.Principal), Num(r.Count) }));
        html.Append("</section>\n");

        html.Append("<section id=\"latest\"><h2>Latest activation requests</h2>");
        if (d.Latest.Count == 0) html.Append("<p class=\"empty\">No activation request in this period.</p>");
        else
        {
            var withJustification = d.Latest.Any(l => l.Justification is not null) || d.IdentityMode != PimIdentityMode.Verified;
            var head = withJustification ? new[] { "Requested", "Principal", "Role", "Status", "Justification" } : ["Requested", "Principal", "Role", "Status"];
            Table(html, head, d.Latest.Select(l =>
            {
                var row = new List<string> { Cell(Utc(l.Created), l.Created.Ticks), Cell(l.Principal), Cell(l.Role), Cell(l.Status) };
                if (withJustification) row.Add(Cell(l.Justification));
                return row.ToArray();
            }));
            if (!withJustification) html.Append("<p class=\"note\">Justifications are not part of a Verified store's verified state: see Get-PimRequest.</p>");
        }
        html.Append("</section>\n");

        html.Append("<section id=\"audit\"><h2>Audit chain</h2><p class=\"")
            .Append(d.Audit.IsValid switch { true => "valid", false => "invalid", null => "note" }).Append("\">").Append(Text(d.Audit.Summary)).Append("</p>");
        if (d.Audit.VerifiedAt is { } at) html.Append("<p class=\"note\">").Append(Text($"Checked at {Utc(at)}.")).Append("</p>");
        html.Append("</section>\n");

        // The report's figures as data (escaped JSON, never markup), for whoever wants them without the page.
        html.Append("<script type=\"application/json\" id=\"pim-report-data\">").Append(Json(new
        {
            generatedAt = d.GeneratedAt, since = d.Since, until = d.Until, identityMode = d.IdentityMode.ToString(),
            activationsPerDay = d.ActivationsPerDay.Select(a => new { role = d.RoleName(a.Role), day = new DateTime(a.Day * TimeSpan.TicksPerDay, DateTimeKind.Utc), count = a.Count }),
            approval = d.ApprovalWaits.Select(w => new { role = d.RoleName(w.Role), approved = w.Count, medianSeconds = w.Median / TimeSpan.TicksPerSecond, p90Seconds = w.P90 / TimeSpan.TicksPerSecond }),
            assignments = d.Assignments.Select(a => new { type = a.Type, memberType = a.MemberType, state = a.State, count = a.Count }),
            privileged = d.Privileged.Select(p => new { role = d.RoleName(p.Role), type = p.Type, permanent = p.Permanent, timeBound = p.TimeBound }),
            alerts = d.Alerts.Select(a => new { type = a.AlertType, severity = a.Severity, count = a.Count, description = Clip(a.Description), fix = Clip(a.Fix) }),
            requesters = d.Requesters.Select(r => new { principal = r.Principal, requests = r.Count }),
            audit = new { verified = d.Audit.Verified, valid = d.Audit.IsValid, records = d.Audit.Records, seals = d.Audit.Seals, reason = d.Audit.Reason },
        })).Append("</script>\n");
        html.Append("<p class=\"note\">Made by PimModule's Export-PimReport. This page loads nothing: its script and style are its own.</p>\n");
        html.Append("</main>\n<script>").Append(Script).Append("</script>\n</body>\n</html>\n");
        return html.ToString();
    }

    private static void Card(StringBuilder html, string value, string label)
        => html.Append("<div class=\"card\"><b>").Append(Text(value)).Append("</b><span>").Append(Text(label)).Append("</span></div>");

    /// <summary>Opens a section with its chart (or the empty note); the caller adds its table and closes it.</summary>
    private static void Section(StringBuilder html, string id, string title, PlotModel? chart, string empty, string note)
    {
        html.Append("<section id=\"").Append(Text(id)).Append("\"><h2>").Append(Text(title)).Append("</h2><p class=\"note\">").Append(Text(note)).Append("</p>");
        if (chart is null) { html.Append("<p class=\"empty\">").Append(Text(empty)).Append("</p>"); return; }
        html.Append("<img class=\"chart\" data-chart=\"").Append(Text(id)).Append("\" alt=\"").Append(Text(title)).Append("\" width=\"")
            .Append(ChartWidth.ToString(CultureInfo.InvariantCulture)).Append("\" height=\"").Append(ChartHeight.ToString(CultureInfo.InvariantCulture))
            .Append("\" src=\"data:image/svg+xml;base64,").Append(Convert.ToBase64String(Encoding.UTF8.GetBytes(Svg(chart)))).Append("\">");
    }

    private static string Cell(string? text, long? sortKey = null) => sortKey is { } k
        ? "<td data-sort=\"" + k.ToString(CultureInfo.InvariantCulture) + "\">" + Text(text) + "</td>"
        : "<td>" + Text(text) + "</td>";

    private static string Num(long n) => "<td class=\"n\">" + N(n) + "</td>";

    private static void Table(StringBuilder html, string[] head, IEnumerable<string[]> rows)
    {
        var list = rows.ToList();
        if (list.Count == 0) return;
        html.Append("<table class=\"sortable\"><thead><tr>");
        foreach (var h in head) html.Append("<th>").Append(Text(h)).Append("</th>");
        html.Append("</tr></thead><tbody>");
        foreach (var row in list) html.Append("<tr>").AppendJoin("", row).Append("</tr>");
        html.Append("</tbody></table>");
    }

    // ---- charts (OxyPlot models, exported as SVG) ----------------------------------------------------------------

    /// <summary>A chart as an SVG document; OxyPlot writes it with an XmlWriter, so every label is escaped XML text.</summary>
    internal static string Svg(PlotModel model)
    {
        // Fonts of Helvetica's metrics, which OxyPlot measures text by (Liberation Sans is Debian's, Arial Windows').
        model.DefaultFont = "Arial, Liberation Sans, Helvetica, sans-serif";
        model.Background = OxyColors.White;
        return SvgExporter.ExportToString(model, ChartWidth, ChartHeight, isDocument: false, textMeasurer: new TextMeasure());
    }

    /// <summary>A label short enough for a chart's axis or legend (the tables beside it have the whole text).</summary>
    private static string Label(string text) => text.Length <= 36 ? text : text[..35] + "…";

    private static PlotModel NewModel(bool legend)
    {
        var m = new PlotModel { PlotMargins = new OxyThickness(double.NaN), TitleFontSize = 14 };
        if (legend) m.Legends.Add(new Legend { LegendPosition = LegendPosition.TopRight, LegendPlacement = LegendPlacement.Inside, LegendBackground = OxyColor.FromAColor(220, OxyColors.White) });
        return m;
    }

    private static PlotModel? ActivationsChart(ReportData d)
    {
        if (d.ActivationsPerDay.Count == 0) return null;
        var byRole = d.ActivationsPerDay.GroupBy(a => a.Role, StringComparer.OrdinalIgnoreCase)
            .OrderByDescending(g => g.Sum(a => a.Count)).ThenBy(g => d.RoleName(g.Key), StringComparer.OrdinalIgnoreCase).ToList();
        var shown = byRole.Take(MaxSeriesRoles).Select(g => (Name: Label(d.RoleName(g.Key)), Days: g.ToDictionary(a => a.Day, a => a.Count))).ToList();
        if (byRole.Count > MaxSeriesRoles)
            shown.Add(($"{byRole.Count - MaxSeriesRoles} other roles", byRole.Skip(MaxSeriesRoles).SelectMany(g => g)
                .GroupBy(a => a.Day).ToDictionary(g => g.Key, g => g.Sum(a => a.Count))));
        var first = d.Since.Ticks / TimeSpan.TicksPerDay;
        var last = (d.Until.Ticks - 1) / TimeSpan.TicksPerDay;
        var m = NewModel(legend: true);
        m.Axes.Add(new DateTimeAxis { Position = AxisPosition.Bottom, StringFormat = "yyyy-MM-dd", MajorGridlineStyle = LineStyle.Dot });
        m.Axes.Add(new LinearAxis { Position = AxisPosition.Left, Minimum = 0, MinimumPadding = 0, MaximumPadding = 0.1, Title = "activations", MajorGridlineStyle = LineStyle.Dot });
        foreach (var (name, days) in shown)
        {
            var s = new LineSeries { Title = name, MarkerType = last - first <= 62 ? MarkerType.Circle : MarkerType.None, MarkerSize = 3, StrokeThickness = 1.5 };
            for (var day = first; day <= last; day++)
                s.Points.Add(new DataPoint(DateTimeAxis.ToDouble(new DateTime(day * TimeSpan.TicksPerDay, DateTimeKind.Utc)), days.TryGetValue(day, out var n) ? n : 0));
            m.Series.Add(s);
        }
        return m;
    }

    private static PlotModel? ApprovalChart(ReportData d)
    {
        if (d.ApprovalWaits.Count == 0) return null;
        var waits = d.ApprovalWaits.OrderBy(w => d.RoleName(w.Role), StringComparer.OrdinalIgnoreCase).Take(12).ToList();
        var m = NewModel(legend: true);
        var roles = new CategoryAxis { Position = AxisPosition.Left };
        foreach (var w in waits) roles.Labels.Add(Label(d.RoleName(w.Role)));
        m.Axes.Add(roles);
        m.Axes.Add(new LinearAxis { Position = AxisPosition.Bottom, Minimum = 0, MinimumPadding = 0, MaximumPadding = 0.1, Title = "minutes", MajorGridlineStyle = LineStyle.Dot });
        var median = new BarSeries { Title = "median", FillColor = OxyColor.FromRgb(11, 92, 173) };
        var p90 = new BarSeries { Title = "90th percentile", FillColor = OxyColor.FromRgb(240, 160, 40) };
        foreach (var w in waits)
        {
            median.Items.Add(new BarItem(TimeSpan.FromTicks(w.Median ?? 0).TotalMinutes));
            p90.Items.Add(new BarItem(TimeSpan.FromTicks(w.P90 ?? 0).TotalMinutes));
        }
        m.Series.Add(median);
        m.Series.Add(p90);
        return m;
    }

    private static PlotModel? AssignmentsChart(ReportData d)
    {
        if (d.Assignments.Count == 0) return null;
        string Kind(AssignmentCount a) => a.Type == "Eligible" ? "Eligible" : a.MemberType == "Activated" ? "Active (activated)" : "Active (direct)";
        var kinds = new[] { "Eligible", "Active (direct)", "Active (activated)" };
        var m = NewModel(legend: true);
        var axis = new CategoryAxis { Position = AxisPosition.Left };
        axis.Labels.AddRange(kinds);
        m.Axes.Add(axis);
        m.Axes.Add(new LinearAxis { Position = AxisPosition.Bottom, Minimum = 0, MinimumPadding = 0, MaximumPadding = 0.1, Title = "assignments", MajorGridlineStyle = LineStyle.Dot });
        foreach (var (state, color) in new[] { ("Active", OxyColor.FromRgb(26, 127, 55)), ("Scheduled", OxyColor.FromRgb(11, 92, 173)), ("Expired", OxyColor.FromRgb(150, 150, 150)) })
        {
            var s = new BarSeries { Title = state == "Active" ? "in force" : state.ToLowerInvariant(), IsStacked = true, FillColor = color };
            foreach (var k in kinds) s.Items.Add(new BarItem(d.Assignments.Where(a => a.State == state && Kind(a) == k).Sum(a => a.Count)));
            m.Series.Add(s);
        }
        return m;
    }

    private static PlotModel? PrivilegedChart(ReportData d)
    {
        if (d.Privileged.Count == 0) return null;
        var types = new[] { "Eligible", "Active" };
        var m = NewModel(legend: true);
        var axis = new CategoryAxis { Position = AxisPosition.Left };
        axis.Labels.AddRange(types);
        m.Axes.Add(axis);
        m.Axes.Add(new LinearAxis { Position = AxisPosition.Bottom, Minimum = 0, MinimumPadding = 0, MaximumPadding = 0.1, Title = "privileged assignments", MajorGridlineStyle = LineStyle.Dot });
        var permanent = new BarSeries { Title = "permanent", IsStacked = true, FillColor = OxyColor.FromRgb(180, 35, 24) };
        var timeBound = new BarSeries { Title = "time-bound", IsStacked = true, FillColor = OxyColor.FromRgb(26, 127, 55) };
        foreach (var t in types)
        {
            permanent.Items.Add(new BarItem(d.Privileged.Where(p => p.Type == t).Sum(p => p.Permanent)));
            timeBound.Items.Add(new BarItem(d.Privileged.Where(p => p.Type == t).Sum(p => p.TimeBound)));
        }
        m.Series.Add(permanent);
        m.Series.Add(timeBound);
        return m;
    }

    private static PlotModel? RequestersChart(ReportData d)
    {
        if (d.Requesters.Count == 0) return null;
        var m = NewModel(legend: false);
        var axis = new CategoryAxis { Position = AxisPosition.Left, StartPosition = 1, EndPosition = 0 };
        foreach (var r in d.Requesters) axis.Labels.Add(Label(r.Principal));
        m.Axes.Add(axis);
        m.Axes.Add(new LinearAxis { Position = AxisPosition.Bottom, Minimum = 0, MinimumPadding = 0, MaximumPadding = 0.1, Title = "activation requests", MajorGridlineStyle = LineStyle.Dot });
        var s = new BarSeries { FillColor = OxyColor.FromRgb(11, 92, 173) };
        foreach (var r in d.Requesters) s.Items.Add(new BarItem(r.Count));
        m.Series.Add(s);
        return m;
    }
}
