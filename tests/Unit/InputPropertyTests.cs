using System.Globalization;
using System.Text;
using System.Xml;
using CsCheck;
using Xunit;

namespace PimModule.Tests;

/// <summary>
/// Property-based tests (CsCheck) of the parsers and canonicalizers of input: whatever a caller gives, they return a
/// value or throw the module's own PimException — never an overflow, a format or an argument exception — and the
/// canonical forms are idempotent and fold case safely (a look-alike is refused, never mapped onto an ASCII key).
/// </summary>
public class InputPropertyTests
{
    private const int Iterations = 4000;

    /// <summary>Characters that break parsers: look-alikes, format and control characters, lone surrogates, odd digits and spaces.</summary>
    private const string Nasty =
        "\u212A\u212B\u0430\u0435\u043E\u0440\u0441\u0445\u0456\u0391\u039A\u039F\u03BF\uFF21\uFF4B\uFF10\u00A0\u2007\u3000\u200B\u200D\u200E" +
        "\u202E\u2066\u2028\uFEFF\u0130\u0131\u017F\u00DF\u0301\u0660\u0966\u1D400\u00B2\u2160\uFB01\u0000\u0007\u0009\u000A\u000D\u001B\u007F" +
        "\u0085\u009B\uD800\uDC00\uFFFD\uFFFF";

    private static readonly Gen<char> AnyChar = Gen.Frequency(
        (6, Gen.Char[' ', '~']),
        (2, Gen.Char[Nasty]),
        (1, Gen.Char),
        (1, Gen.Char["@\\/.-_:#%$'+~!&"]));

    private static readonly Gen<string> AnyText = Gen.Frequency(
        (8, Gen.String[AnyChar, 0, 40]),
        (1, Gen.String[AnyChar, 0, 600]),
        (1, Gen.OneOfConst("", " ", "  ", "/", "//", "@", "\\", "P", "-P", "PT", "1e308", "1e309", "-1e309", "NaN", "Infinity",
            "9999999999999999999d", "P99999999999999D", "10675199.02:48:05.4775807", "-10675199.02:48:05.4775808", "٣d", "1.5.3",
            "kate@contoso.com", "\u212Aate@contoso.com", "Global Administrator", "/administrativeUnits/x")));

    private static readonly Gen<string> AsciiLocal = Gen.String[Gen.Char["abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-+'"], 1, 20];
    private static readonly Gen<string> AsciiLabel = Gen.String[Gen.Char["abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-"], 1, 12];

    /// <summary>Valid user principal names (ASCII): local@label(.label)*.</summary>
    private static readonly Gen<string> Upn = Gen.Select(AsciiLocal, AsciiLabel, AsciiLabel, (l, d1, d2) => $"{l}@{d1}.{d2}");

    private static void OnlyPimException(Action a)
    {
        try { a(); }
        catch (PimException) { }
    }

    private static string AsciiUpper(string s) => new(s.Select(c => c is >= 'a' and <= 'z' ? (char)(c - 32) : c).ToArray());
    private static string AsciiLower(string s) => new(s.Select(c => c is >= 'A' and <= 'Z' ? (char)(c + 32) : c).ToArray());

    // ---- principals -------------------------------------------------------------------------------

    [Fact]
    public void Principal_parsing_never_throws_anything_but_PimException()
        => AnyText.Sample(s =>
        {
            OnlyPimException(() => Principal.Validate(s));
            OnlyPimException(() => Principal.Key(s));
            Principal.Fold(s);
            Principal.Same(s, s);
        }, iter: Iterations, threads: 1);

    [Fact]
    public void A_valid_principal_is_ASCII_and_its_key_is_idempotent_and_case_fold_safe()
        => Gen.OneOf(Upn, AnyText).Sample(s =>
        {
            string valid;
            try { valid = Principal.Validate(s); }
            catch (PimException) { return; }
            Assert.All(valid, c => Assert.InRange(c, '!', '~'));
            var key = Principal.Key(s);
            Assert.Equal(key, Principal.Key(key));
            Assert.Equal(key, Principal.Key(AsciiUpper(valid)));
            Assert.Equal(key, Principal.Key(AsciiLower(valid)));
            Assert.Equal(key, Principal.Fold(valid));
            Assert.True(Principal.Same(AsciiUpper(valid), valid));
            Assert.True(Principal.Comparer.Equals(AsciiUpper(valid), AsciiLower(valid)));
            Assert.Equal(Principal.Comparer.GetHashCode(AsciiUpper(valid)), Principal.Comparer.GetHashCode(AsciiLower(valid)));
        }, iter: Iterations, threads: 1);

    private static readonly (char Ascii, char LookAlike)[] LookAlikes =
    [
        ('K', '\u212A'), ('k', '\u212A'), ('a', '\u0430'), ('e', '\u0435'), ('o', '\u043E'), ('p', '\u0440'), ('c', '\u0441'),
        ('x', '\u0445'), ('i', '\u0456'), ('A', '\u0391'), ('O', '\u039F'), ('s', '\u017F'), ('I', '\u0130'), ('i', '\u0131'),
        ('A', '\uFF21'), ('k', '\uFF4B'),
    ];

    [Fact]
    public void A_look_alike_is_refused_never_mapped_onto_an_ASCII_key()
        => Gen.Select(Upn, Gen.Int[0, LookAlikes.Length - 1], Gen.Int[0, 1000]).Sample((upn, which, at) =>
        {
            var (_, lookAlike) = LookAlikes[which];
            var i = at % upn.Length;
            var forged = upn[..i] + lookAlike + upn[(i + 1)..];
            var e = Assert.Throws<PimException>(() => Principal.Key(forged));
            Assert.Equal("PimPrincipalInvalid", e.ErrorId);
            Assert.False(Principal.Same(forged, upn));
            Assert.NotEqual(Principal.Fold(upn), Principal.Fold(forged));
        }, iter: Iterations, threads: 1);

    [Fact]
    public void The_Kelvin_sign_is_not_K()
    {
        var e = Assert.Throws<PimException>(() => Principal.Validate("\u212Aate@contoso.com"));
        Assert.Equal("PimPrincipalInvalid", e.ErrorId);
        Assert.Contains("ASCII", e.Message);
        Assert.Contains("U+212A", e.Message);
        Assert.False(Principal.Same("\u212Aate@contoso.com", "kate@contoso.com"));
        Assert.Equal("kate@contoso.com", Principal.Key("Kate@Contoso.COM"));
    }

    [Fact]
    public void A_long_principal_is_PimInputTooLong_and_is_not_echoed()
    {
        var e = Assert.Throws<PimException>(() => Principal.Validate(new string('a', 1_000_000) + "@contoso.com"));
        Assert.Equal("PimInputTooLong", e.ErrorId);
        Assert.True(e.Message.Length < 400, e.Message);
        Assert.Contains("256", e.Message);
    }

    [Theory]
    [InlineData("bad user!")]
    [InlineData("")]
    [InlineData("jos\u00E9")]
    [InlineData("tab\tuser")]
    public void An_OS_user_name_that_is_no_principal_is_refused_not_unknown(string os)
    {
        var e = Assert.Throws<PimException>(() => Principal.Current(os));
        Assert.Equal("PimPrincipalInvalid", e.ErrorId);
        Assert.Contains("Connect-PimStore -Principal", e.RecommendedAction);
    }

    [Fact]
    public void A_valid_OS_user_name_is_the_default_principal() => Assert.Equal("alice", Principal.Current("alice"));

    // ---- scopes -----------------------------------------------------------------------------------

    private static readonly Gen<string> Segment = Gen.String[Gen.Char["abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-~:@."], 1, 8]
        .Where(s => s is not "." and not "..");
    private static readonly Gen<string> ScopePath = Segment.Array[0, 5].Select(segs => "/" + string.Join("/", segs));

    [Fact]
    public void Scope_parsing_never_throws_anything_but_PimException_and_is_idempotent()
        => Gen.OneOf(AnyText, ScopePath).Sample(s =>
        {
            string v;
            try { v = Scope.Validate(s); }
            catch (PimException) { return; }
            Assert.Equal(v, Scope.Validate(v));
            Assert.StartsWith("/", v);
            Assert.True(v.Length <= Input.ScopeLength);
            Assert.True(Scope.Covers(v, v));
            Assert.True(Scope.Covers(Scope.Root, v));
        }, iter: Iterations, threads: 1);

    [Theory]
    [InlineData("")]
    [InlineData(" ")]
    [InlineData("\t")]
    public void An_empty_scope_is_refused_not_taken_as_root(string empty)
    {
        var e = Assert.Throws<PimException>(() => Scope.Validate(empty));
        Assert.Equal("PimScopeInvalid", e.ErrorId);
        Assert.Equal("/", Scope.Validate(null));
    }

    [Fact]
    public void A_long_scope_is_PimInputTooLong()
        => Assert.Equal("PimInputTooLong", Assert.Throws<PimException>(() => Scope.Validate("/" + new string('a', 1_048_576))).ErrorId);

    [Fact]
    public void Covers_is_on_segment_boundaries_and_transitive()
        => Gen.Select(ScopePath, Segment, Segment).Sample((a, s1, s2) =>
        {
            var b = (a == "/" ? "" : a) + "/" + s1;
            var c = b + "/" + s2;
            Assert.True(Scope.Covers(a, b));
            Assert.True(Scope.Covers(b, c));
            Assert.True(Scope.Covers(a, c));
            Assert.False(Scope.Covers(c, b));
            Assert.False(Scope.Covers(b, b + "x"));
            Assert.True(Scope.Covers(b, AsciiUpper(b)));
        }, iter: Iterations, threads: 1);

    // ---- durations --------------------------------------------------------------------------------

    [Fact]
    public void Duration_parsing_never_throws_anything_but_PimException()
        => Gen.Select(Gen.OneOf(AnyText, Gen.Double.Select(d => d.ToString("R", CultureInfo.InvariantCulture)),
                Gen.Long.Select(l => l.ToString(CultureInfo.InvariantCulture) + "d")), Gen.OneOfConst("Hours", "Days"))
            .Sample((s, unit) =>
            {
                TimeSpan? t = null;
                OnlyPimException(() => t = Durations.Parse(s, unit));
                if (t is { } v) OnlyPimException(() => Times.Duration(v, "Duration"));
            }, iter: Iterations, threads: 1);

    [Fact]
    public void Any_number_is_a_duration_saturated_to_TimeSpan_range()
        => Gen.Select(Gen.Double, Gen.OneOfConst("Hours", "Days")).Sample((n, unit) =>
        {
            if (double.IsNaN(n))
            {
                Assert.Equal("PimDurationInvalid", Assert.Throws<PimException>(() => Durations.FromNumber(n, unit)).ErrorId);
                return;
            }
            var t = Durations.FromNumber(n, unit);
            Assert.Equal(Math.Sign(Math.Round(n * (unit == "Days" ? TimeSpan.TicksPerDay : TimeSpan.TicksPerHour))), Math.Sign(t.Ticks));
        }, iter: Iterations, threads: 1);

    [Fact]
    public void TimeSpan_text_and_ISO_8601_round_trip()
        => Gen.TimeSpan.Sample(t =>
        {
            Assert.Equal(t, Durations.Parse(t.ToString("c", CultureInfo.InvariantCulture), "Hours"));
            Assert.Equal(t, Durations.Parse(XmlConvert.ToString(t), "Days"));
        }, iter: Iterations, threads: 1);

    [Theory]
    [InlineData("30m", 0, 30)]
    [InlineData("4h", 4, 0)]
    [InlineData("PT4H", 4, 0)]
    [InlineData("2", 2, 0)]
    [InlineData("1.5", 1, 30)]
    public void Short_forms_and_bare_numbers_in_hours(string text, int hours, int minutes)
        => Assert.Equal(new TimeSpan(hours, minutes, 0), Durations.Parse(text, "Hours"));

    [Theory]
    [InlineData("1e300")]
    [InlineData("99999999999999999999d")]
    [InlineData("P99999999999999D")]
    public void A_huge_duration_is_saturated_then_refused_as_PimDurationInvalid(string text)
    {
        var t = Durations.Parse(text, "Days")!.Value;
        Assert.Equal(TimeSpan.MaxValue, t);
        Assert.Equal("PimDurationInvalid", Assert.Throws<PimException>(() => Times.Duration(t, "Duration")).ErrorId);
    }

    [Theory]
    [InlineData("٣d")]
    [InlineData("four hours")]
    [InlineData("1.2.3.4")]
    public void Text_that_is_no_duration_is_PimDurationInvalid(string text)
        => Assert.Equal("PimDurationInvalid", Assert.Throws<PimException>(() => Durations.Parse(text, "Hours")).ErrorId);

    // ---- times ------------------------------------------------------------------------------------

    private static readonly TimeZoneInfo[] Zones =
    [
        TimeZoneInfo.Utc,
        TimeZoneInfo.CreateCustomTimeZone("Plus14", TimeSpan.FromHours(14), "Plus14", "Plus14"),
        TimeZoneInfo.CreateCustomTimeZone("Minus12", TimeSpan.FromHours(-12), "Minus12", "Minus12"),
        TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin"),
        TimeZoneInfo.FindSystemTimeZoneById("America/St_Johns"),
    ];

    private static readonly Gen<DateTime> AnyDateTime = Gen.Frequency(
        (6, Gen.DateTime),
        (2, Gen.DateTime[new DateTime(1899, 12, 30), new DateTime(1900, 1, 2)]),
        (2, Gen.DateTime[new DateTime(8999, 12, 30), new DateTime(9000, 1, 2)]),
        (1, Gen.OneOfConst(DateTime.MinValue, DateTime.MaxValue)));

    [Fact]
    public void Times_are_UTC_and_bounded_or_PimDateTimeInvalid()
        => Gen.Select(AnyDateTime, Gen.Enum<DateTimeKind>(), Gen.Int[0, Zones.Length - 1]).Sample((d, kind, z) =>
        {
            var value = DateTime.SpecifyKind(d, kind);
            DateTime utc;
            try { utc = Times.Utc(value, "AsOf", Zones[z]); }
            catch (PimException e)
            {
                Assert.Equal("PimDateTimeInvalid", e.ErrorId);
                return;
            }
            Assert.Equal(DateTimeKind.Utc, utc.Kind);
            Assert.InRange(utc, Times.MinTime, Times.MaxTime);
            if (kind == DateTimeKind.Utc) Assert.Equal(value, utc);
            else if (!Zones[z].IsInvalidTime(DateTime.SpecifyKind(d, DateTimeKind.Unspecified)))
                Assert.Equal(TimeZoneInfo.ConvertTimeToUtc(DateTime.SpecifyKind(d, DateTimeKind.Unspecified), Zones[z]), utc);
            Assert.Equal(utc, Times.Utc(utc, "AsOf", Zones[z])); // idempotent
        }, iter: Iterations, threads: 1);

    [Fact]
    public void An_unspecified_time_is_local_time()
    {
        var plus2 = TimeZoneInfo.CreateCustomTimeZone("Plus2", TimeSpan.FromHours(2), "Plus2", "Plus2");
        Assert.Equal(new DateTime(2026, 3, 1, 7, 0, 0, DateTimeKind.Utc), Times.Utc(new DateTime(2026, 3, 1, 9, 0, 0), "StartDateTime", plus2));
    }

    [Fact]
    public void Adding_a_duration_never_overflows()
        => Gen.Select(Gen.DateTime[Times.MinTime, Times.MaxTime], Gen.TimeSpan).Sample((start, d) =>
        {
            var s = DateTime.SpecifyKind(start, DateTimeKind.Utc);
            try
            {
                var end = Times.Add(s, d, "Duration");
                Assert.InRange(end, Times.MinTime, Times.MaxTime);
                Assert.Equal(s.Ticks + d.Ticks, end.Ticks);
            }
            catch (PimException e)
            {
                Assert.Equal("PimDateTimeInvalid", e.ErrorId);
            }
        }, iter: Iterations, threads: 1);

    [Theory]
    [InlineData(0L)]
    [InlineData(-1L)]
    [InlineData(long.MaxValue)]
    public void Durations_are_positive_and_at_most_100_years(long ticks)
        => Assert.Equal("PimDurationInvalid", Assert.Throws<PimException>(() => Times.Duration(TimeSpan.FromTicks(ticks), "Duration")).ErrorId);

    // ---- role names -------------------------------------------------------------------------------

    [Fact]
    public void Every_built_in_role_name_passes_the_role_name_rule_unchanged()
    {
        foreach (var role in RoleCatalog.BuiltIn)
        {
            Assert.Equal(role.Name, RoleName.Validate(role.Name));
            Assert.Equal(role.Description.Trim(), RoleName.ValidateDescription(role.Description));
        }
    }

    [Fact]
    public void Role_name_parsing_never_throws_anything_but_PimException_and_is_idempotent()
        => Gen.OneOf(AnyText, Gen.OneOfConst(RoleCatalog.BuiltIn.Select(r => r.Name).ToArray())).Sample(s =>
        {
            OnlyPimException(() => RoleName.Key(s));
            OnlyPimException(() => RoleName.ValidateDescription(s));
            string v;
            try { v = RoleName.Validate(s); }
            catch (PimException) { return; }
            Assert.Equal(v, RoleName.Validate(v));
            Assert.Equal(RoleName.Key(v), RoleName.Key(RoleName.Key(v)));
            Assert.Equal(RoleName.Key(s), RoleName.Key(v));
            Assert.Equal(v.Normalize(NormalizationForm.FormKC), v);
            Assert.True(RoleName.Same(v, v.ToUpperInvariant()));
        }, iter: Iterations, threads: 1);

    [Fact]
    public void A_role_name_with_a_look_alike_or_format_character_is_refused()
        => Gen.Select(Gen.OneOfConst(RoleCatalog.BuiltIn.Select(r => r.Name).ToArray()), Gen.Int[0, 1000],
                Gen.OneOfConst('\u0430', '\u0435', '\u043E', '\u0391', '\u039F', '\uFF21', '\u200B', '\u200D', '\uFEFF', '\u00A0', '\u2160'))
            .Sample((name, at, bad) =>
            {
                var letters = Enumerable.Range(0, name.Length).Where(i => char.IsAsciiLetter(name[i])).ToList();
                var i = letters[at % letters.Count];
                var forged = name[..i] + bad + name[(i + 1)..];
                Assert.Equal("PimRoleNameInvalid", Assert.Throws<PimException>(() => RoleName.Validate(forged)).ErrorId);
            }, iter: Iterations, threads: 1);

    [Fact]
    public void A_role_name_is_NFC_normalised_so_the_Kelvin_sign_is_the_letter_K()
    {
        Assert.Equal("Kelvin Operator", RoleName.Validate("\u212Aelvin Operator"));
        Assert.Equal(RoleName.Key("Kelvin Operator"), RoleName.Key("\u212Aelvin Operator"));
    }

    [Theory]
    [InlineData("Role\u0000Name", "PimInputInvalid")]
    [InlineData("Role\u001B[31mName", "PimInputInvalid")]
    [InlineData("Role\u202EName", "PimInputInvalid")]
    [InlineData("Role\u200DName", "PimRoleNameInvalid")]
    [InlineData("Global  Administrator", "PimRoleNameInvalid")]
    [InlineData("Админ Administrator", "PimRoleNameInvalid")]
    [InlineData("5d6b6bb7-de71-4623-b4af-96380a352509", "PimRoleNameInvalid")]
    public void Refuses_role_names(string name, string errorId)
        => Assert.Equal(errorId, Assert.Throws<PimException>(() => RoleName.Validate(name)).ErrorId);

    [Theory]
    [InlineData("Helpdesk Tier 2 Operator")]
    [InlineData("Администратор безопасности")]
    [InlineData("Café Manager")]
    [InlineData("SAP 管理者")]
    [InlineData("100% Admin [x] \"quoted\"")]
    public void Accepts_role_names(string name) => Assert.Equal(name.Normalize(NormalizationForm.FormC), RoleName.Validate(name));

    // ---- free text --------------------------------------------------------------------------------

    [Fact]
    public void Text_is_returned_unchanged_or_refused_without_echoing_it()
        => AnyText.Sample(s =>
        {
            try
            {
                var result = Input.Text(s, "Justification", 500);
                Assert.Null(Input.FirstForbidden(s));
                // Text of nothing but white space and joiners says nothing: it comes back as its white space (blank);
                // any other text comes back as it was given.
                if (s.Length > 0 && s.All(c => char.IsWhiteSpace(c) || c is '\u200C' or '\u200D'))
                    Assert.Equal(s.Replace("\u200C", "").Replace("\u200D", ""), result);
                else Assert.Same(s, result);
            }
            catch (PimException e)
            {
                Assert.Contains(e.ErrorId, new[] { "PimInputTooLong", "PimInputInvalid" });
                Assert.Contains("-Justification", e.Message);
                Assert.True(e.Message.Length < 500, e.Message);
                Assert.Null(Input.FirstForbidden((string)e.Target!)); // the target is printable
            }
        }, iter: Iterations, threads: 1);

    [Theory]
    [InlineData("a\u0000b", "U+0000")]
    [InlineData("\u001B[2J", "U+001B")]
    [InlineData("x\u2028y", "U+2028")]
    public void Control_characters_are_named_by_code_point(string text, string code)
    {
        var e = Assert.Throws<PimException>(() => Input.Text(text, "TicketNumber", 500));
        Assert.Equal("PimInputInvalid", e.ErrorId);
        Assert.Contains(code, e.Message);
    }

    [Fact]
    public void An_unpaired_surrogate_is_refused()
    {
        var e = Assert.Throws<PimException>(() => Input.Text("ok" + '\uD800', "TicketNumber", 500));
        Assert.Equal("PimInputInvalid", e.ErrorId);
        Assert.Contains("U+D800", e.Message);
    }

    [Fact]
    public void Ten_megabytes_is_too_long_and_the_message_names_parameter_limit_and_length()
    {
        var e = Assert.Throws<PimException>(() => Input.Text(new string('x', 10 * 1024 * 1024), "Justification", Input.JustificationLength));
        Assert.Equal("PimInputTooLong", e.ErrorId);
        Assert.Equal(PimErrorCategory.LimitsExceeded, e.Category);
        Assert.Contains("-Justification", e.Message);
        Assert.Contains("500", e.Message);
        Assert.Contains("10,485,760", e.Message);
        Assert.True(e.Message.Length < 300);
    }
}
