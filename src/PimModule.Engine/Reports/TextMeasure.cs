using OxyPlot;

namespace PimModule.Reports;

/// <summary>
/// How wide a chart's text is, for OxyPlot's layout (margins, axis labels, legends): Arial's (Liberation Sans') advance
/// widths by character class, rounded up, so that no label is cut where the browser draws it in those fonts. It draws
/// nothing: the SVG exporter writes the chart.
/// </summary>
internal sealed class TextMeasure : RenderContextBase
{
    public override OxySize MeasureText(string text, string fontFamily, double fontSize, double fontWeight)
    {
        if (string.IsNullOrEmpty(text)) return OxySize.Empty;
        var lines = text.Split('\n');
        var widest = 0.0;
        foreach (var line in lines)
        {
            var em = 0.0;
            foreach (var c in line) em += Advance(c);
            widest = Math.Max(widest, em);
        }
        var bold = fontWeight >= FontWeights.Bold ? 1.08 : 1.0;
        return new OxySize(Math.Ceiling(widest * fontSize * bold * 1.04) + 2, Math.Ceiling(lines.Length * fontSize * 1.2));
    }

    /// <summary>A character's advance in em (Arial's metrics, by class).</summary>
    private static double Advance(char c) => c switch
    {
        'i' or 'j' or 'l' or '.' or ',' or ':' or ';' or '\'' or '|' or '!' or 'I' => 0.28,
        'f' or 't' or 'r' or ' ' or '(' or ')' or '[' or ']' or '-' or '/' or '"' => 0.36,
        'm' or 'w' or 'M' or 'W' or '@' or '%' => 0.86,
        >= 'A' and <= 'Z' => 0.69,
        >= '0' and <= '9' => 0.56,
        < '\u0080' => 0.56,
        _ => 0.9, // beyond ASCII (CJK and the like are wider): err on the wide side
    };

    public override void DrawLine(IList<ScreenPoint> points, OxyColor stroke, double thickness, EdgeRenderingMode edgeRenderingMode,
        double[]? dashArray = null, LineJoin lineJoin = LineJoin.Miter) { }

    public override void DrawPolygon(IList<ScreenPoint> points, OxyColor fill, OxyColor stroke, double thickness, EdgeRenderingMode edgeRenderingMode,
        double[]? dashArray = null, LineJoin lineJoin = LineJoin.Miter) { }

    public override void DrawText(ScreenPoint p, string text, OxyColor fill, string? fontFamily = null, double fontSize = 10, double fontWeight = 500,
        double rotation = 0, HorizontalAlignment horizontalAlignment = HorizontalAlignment.Left, VerticalAlignment verticalAlignment = VerticalAlignment.Top,
        OxySize? maxSize = null) { }

    private int _clips;
    public override void PushClip(OxyRect clippingRectangle) => _clips++;
    public override void PopClip() => _clips--;
    public override int ClipCount => _clips;
}
