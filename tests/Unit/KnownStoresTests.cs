using PimModule.Identity.Keys;
using Xunit;

namespace PimModule.Tests;

/// <summary>The known-stores file: pinned on first use, moved forward, and what a swapped or rolled-back store is.</summary>
[Trait("Provider", "Neutral")]
public sealed class KnownStoresTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("pim-known-").FullName;
    private KnownStores Stores => new(Path.Combine(_folder, "known-stores.json"));

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static Func<long, string?> Chain(long length, string prefix = "h") => seq => seq <= length ? prefix + seq : null;

    [Fact]
    public void First_use_pins_and_later_heads_move_forward()
    {
        Stores.CheckAndAdvance("/s.db", "store-1", "ROOT", 5, "h5", Chain(5));
        Assert.Equal(new KnownStore("/s.db", "store-1", "ROOT", 5, "h5"), Stores.Find("/s.db"));
        Stores.CheckAndAdvance("/s.db", "store-1", "ROOT", 9, "h9", Chain(9));
        Assert.Equal(9, Stores.Find("/s.db")!.Sequence);
        if (!OperatingSystem.IsWindows())
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Stores.FilePath));
    }

    [Theory]
    [InlineData("store-2", "ROOT")]
    [InlineData("store-1", "OTHER")]
    public void Another_store_or_root_at_a_known_location_is_refused(string storeId, string root)
    {
        Stores.CheckAndAdvance("/s.db", "store-1", "ROOT", 5, "h5", Chain(5));
        var e = Assert.Throws<PimStoreException>(() => Stores.CheckAndAdvance("/s.db", storeId, root, 7, "h7", Chain(7)));
        Assert.Equal("PimStoreTrustChanged", e.ErrorId);
        Assert.Equal(5, Stores.Find("/s.db")!.Sequence);
    }

    [Fact]
    public void A_cut_tail_is_rolled_back_even_when_grown_again_past_the_pin()
    {
        Stores.CheckAndAdvance("/s.db", "store-1", "ROOT", 10, "h10", Chain(10));
        Assert.Equal("PimStoreRolledBack", Assert.Throws<PimStoreException>(() => Stores.CheckAndAdvance("/s.db", "store-1", "ROOT", 8, "h8", Chain(8))).ErrorId);
        // cut to 8, then honest writers added records 9..12: record 10 is another record now
        Func<long, string?> regrown = seq => seq <= 8 ? "h" + seq : seq <= 12 ? "new" + seq : null;
        Assert.Equal("PimStoreRolledBack", Assert.Throws<PimStoreException>(() => Stores.CheckAndAdvance("/s.db", "store-1", "ROOT", 12, "new12", regrown)).ErrorId);
        Assert.Equal(10, Stores.Find("/s.db")!.Sequence);
    }

    [Fact]
    public void A_pin_another_session_of_the_user_moved_further_on_stays_and_is_no_rollback()
    {
        // Window B pinned record 12; window A verified up to 9 in a snapshot taken before B wrote, and the store holds both.
        Stores.CheckAndAdvance("/s.db", "store-1", "ROOT", 12, "h12", Chain(12));
        Stores.CheckAndAdvance("/s.db", "store-1", "ROOT", 9, "h9", Chain(9), latest: Chain(12));
        Assert.Equal(new KnownStore("/s.db", "store-1", "ROOT", 12, "h12"), Stores.Find("/s.db"));
        Stores.Advance("/s.db", "store-1", "ROOT", 10, "h10", Chain(12));
        Assert.Equal(12, Stores.Find("/s.db")!.Sequence); // the pin moves only forward
        // Cut to 9 (the store as it is now): a rollback, whatever the snapshot saw.
        Assert.Equal("PimStoreRolledBack", Assert.Throws<PimStoreException>(() =>
            Stores.CheckAndAdvance("/s.db", "store-1", "ROOT", 9, "h9", Chain(9), latest: Chain(9))).ErrorId);
        // Cut to 9 and grown again past 12 by others: record 12 is another one now.
        Func<long, string?> regrown = seq => seq <= 9 ? "h" + seq : seq <= 14 ? "new" + seq : null;
        Assert.Equal("PimStoreRolledBack", Assert.Throws<PimStoreException>(() =>
            Stores.CheckAndAdvance("/s.db", "store-1", "ROOT", 9, "h9", Chain(9), latest: regrown)).ErrorId);
        Assert.Equal(12, Stores.Find("/s.db")!.Sequence);
    }

    [Fact]
    public void Parallel_sessions_of_one_user_only_move_the_pin_forward()
    {
        Stores.CheckAndAdvance("/s.db", "store-1", "ROOT", 1, "h1", Chain(1));
        Parallel.For(2, 40, i => Stores.Advance("/s.db", "store-1", "ROOT", i, "h" + i, Chain(40)));
        Assert.Equal(39, Stores.Find("/s.db")!.Sequence);
    }

    [Fact]
    public void A_trust_anchor_that_does_not_match_is_refused_before_anything_is_pinned()
    {
        Assert.Equal("PimStoreTrustChanged", Assert.Throws<PimStoreException>(() =>
            Stores.CheckAndAdvance("/s.db", "store-1", "ROOT", 3, "h3", Chain(3), ("store-1", "ATTACKER"))).ErrorId);
        Assert.Null(Stores.Find("/s.db"));
        Stores.CheckAndAdvance("/s.db", "store-1", "ROOT", 3, "h3", Chain(3), ("STORE-1", "root"));
        Assert.NotNull(Stores.Find("/s.db"));
    }

    [Fact]
    public void Parallel_writers_keep_every_location()
    {
        Parallel.For(0, 16, i => Stores.CheckAndAdvance($"/s{i}.db", $"store-{i}", "ROOT", 1, "h1", Chain(1)));
        for (var i = 0; i < 16; i++) Assert.NotNull(Stores.Find($"/s{i}.db"));
    }
}
