using PimModule.Identity.Keys;
using PimModule.Kernel;
using Xunit;

namespace PimModule.Tests;

/// <summary>
/// Issue 30 (start-up): the seal state and the known-stores file are read through JsonDocument, not the serializer that
/// writes them. What the serializer writes must read back as it was — every member, the maps' comparers a replay gives —
/// and what is not a state or not a pin is refused, never half read.
/// </summary>
[Trait("Provider", "Neutral")]
public sealed class CheckpointJsonTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("pim-json-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static SealState Full()
    {
        var s = new SealState
        {
            SealedUpTo = 42, PrevHash = "abc", GenesisFrom = 1, CheckedRecords = 40, SealsChecked = 12, RootThumbprint = "ROOTTHUMB", RootPrincipal = "root",
            Revoked = ["K2"], RootKeys = ["ROOTTHUMB", "K3"], RootPrincipals = ["root"], Restores = [7, 19], ArchivedUntil = 5,
            Time = new TimeRule.State { RootFloor = 30, LatestSeen = long.MaxValue - 1, LatestCounted = long.MinValue },
        };
        s.Bindings["ROOTTHUMB"] = new SealState.Binding { Principal = "root", Pem = "-----BEGIN PUBLIC KEY-----\nAAA\n-----END PUBLIC KEY-----" };
        s.Bindings["k2"] = new SealState.Binding { Principal = "user1@contoso.com", Pem = "pem \"quoted\" ü" };
        s.Proposals["P1"] = ["a", "b"];
        s.Admins["admin@contoso.com"] = new SealState.Admin { Principal = "admin@contoso.com", Start = 3, End = null };
        s.Admins["ex@contoso.com"] = new SealState.Admin { Principal = "ex@contoso.com", Start = 4, End = 9 };
        s.Time.ActorFloors["admin@contoso.com"] = 31;
        s.Time.Pending[-5] = 100;
        s.Time.Pending[17] = 200;
        return s;
    }

    [Fact]
    public void A_seal_state_reads_back_as_it_was_written()
    {
        var state = Full();
        var json = state.ToJson();
        var read = SealState.FromJson(json);
        Assert.NotNull(read);
        Assert.Equal(json, read.ToJson());
        // The maps keyed by thumbprint or principal compare as a replay's do.
        Assert.True(read.Bindings.ContainsKey("rootthumb"));
        Assert.True(read.Proposals.ContainsKey("p1"));
        Assert.True(read.Admins.ContainsKey("ADMIN@contoso.com"));
        Assert.False(read.Time.ActorFloors.ContainsKey("ADMIN@contoso.com"));
        Assert.Equal(9, read.Admins["ex@contoso.com"].End);
        Assert.Null(read.Admins["admin@contoso.com"].End);
        Assert.Equal(100, read.Time.Pending[-5]);
        // The serializer's own reading of the same text agrees.
        Assert.Equal(json, System.Text.Json.JsonSerializer.Deserialize(json, EngineJson.Default.SealState)!.ToJson());
    }

    [Theory]
    [InlineData("")]
    [InlineData("[]")]
    [InlineData("null")]
    [InlineData("{\"SealedUpTo\":\"42\"}")]
    [InlineData("{\"SealedUpTo\":4.5}")]
    [InlineData("{\"Bindings\":[]}")]
    [InlineData("{\"Bindings\":{\"K\":{\"Principal\":\"p\"}}}")]
    [InlineData("{\"Revoked\":[1]}")]
    [InlineData("{\"Time\":{\"Pending\":{\"x\":1}}}")]
    [InlineData("{\"Time\":{\"Pending\":{\"99999999999999999999\":1}}}")]
    [InlineData("{\"Admins\":{\"a\":{\"Principal\":\"a\"}}}")]
    [InlineData("{\"SealedUpTo\":1")]
    public void What_is_not_a_seal_state_is_refused(string json) => Assert.Null(SealState.FromJson(json));

    [Fact]
    public void Unknown_members_of_a_seal_state_are_skipped() => Assert.Equal(7, SealState.FromJson("{\"SealedUpTo\":7,\"Later\":{\"x\":[1]}}")!.SealedUpTo);

    /// <summary>Init-only properties a constructor does not take: the source generator sets each of them whether the JSON has it or not.</summary>
    private static string[] InitOnlyOutsideConstructor(Type t)
    {
        var ctor = t.GetConstructors().OrderByDescending(c => c.GetParameters().Length).FirstOrDefault();
        var taken = new HashSet<string>((ctor?.GetParameters() ?? []).Select(p => p.Name!), StringComparer.OrdinalIgnoreCase);
        return [.. t.GetProperties().Where(p => p.SetMethod?.ReturnParameter.GetRequiredCustomModifiers()
                .Contains(typeof(System.Runtime.CompilerServices.IsExternalInit)) == true && !taken.Contains(p.Name)).Select(p => p.Name)];
    }

    [Fact]
    public void No_type_compiled_ahead_has_init_only_properties_the_generator_would_set_when_absent()
    {
        var types = typeof(EngineJson).GetCustomAttributesData().Where(d => d.AttributeType == typeof(System.Text.Json.Serialization.JsonSerializableAttribute))
            .Select(d => (Type)d.ConstructorArguments[0].Value!).ToList();
        Assert.Contains(typeof(Audit.Events.AssignmentView), types);
        foreach (var t in types.Where(t => t.Assembly == typeof(EngineJson).Assembly))
            Assert.True(InitOnlyOutsideConstructor(t).Length == 0, $"{t.Name} has init-only properties outside its constructor: {string.Join(", ", InitOnlyOutsideConstructor(t))}");
        // The check can fail: the type that showed the generator's difference has them.
        Assert.Contains("Justification", InitOnlyOutsideConstructor(typeof(Audit.Events.ActivationRequest)));
    }

    [Fact]
    public void A_known_stores_file_reads_back_and_an_older_one_without_restores_too()
    {
        var file = Path.Combine(_folder, "known-stores.json");
        var stores = new KnownStores(file);
        stores.CheckAndAdvance("/s.db", "store-1", "ROOT", 5, "h5", seq => seq <= 5 ? "h" + seq : null);
        Assert.Equal(new KnownStore("/s.db", "store-1", "ROOT", 5, "h5"), stores.Find("/s.db"));
        File.WriteAllText(file, "{\"version\":1,\"stores\":[{\"location\":\"/t.db\",\"storeId\":\"s\",\"root\":\"R\",\"sequence\":3,\"headHash\":\"h3\",\"extra\":true}]}");
        Assert.Equal(new KnownStore("/t.db", "s", "R", 3, "h3"), stores.Find("/t.db"));
    }

    [Theory]
    [InlineData("[]")]
    [InlineData("{\"stores\":{}}")]
    [InlineData("{\"stores\":[{\"location\":\"/t.db\",\"storeId\":\"s\",\"root\":\"R\",\"headHash\":\"h3\"}]}")]
    [InlineData("{\"stores\":[{\"location\":\"/t.db\",\"storeId\":\"s\",\"root\":\"R\",\"sequence\":\"3\",\"headHash\":\"h3\"}]}")]
    [InlineData("{\"stores\":[{\"location\":null,\"storeId\":\"s\",\"root\":\"R\",\"sequence\":3,\"headHash\":\"h3\"}]}")]
    [InlineData("{\"stores\":[1]}")]
    public void A_known_stores_file_that_is_not_one_is_refused_and_trusts_nothing(string text)
    {
        var file = Path.Combine(_folder, "known-stores.json");
        File.WriteAllText(file, text);
        var e = Assert.Throws<PimStoreException>(() => new KnownStores(file).Find("/t.db"));
        Assert.Equal("PimStoreTrustChanged", e.ErrorId);
    }
}
