using PimModule.Files;
using Xunit;

namespace PimModule.Tests;

/// <summary>The one path check of every file the module writes: a regular file or nothing, else PimFilePathInvalid.</summary>
[Trait("Provider", "Neutral")]
public sealed class FileTargetTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("pim-target-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void A_regular_file_or_nothing_passes()
    {
        var file = Path.Combine(_folder, "a.txt");
        Assert.False(FileTarget.Check(file, opensThroughLinks: true));
        File.WriteAllText(file, "x");
        Assert.True(FileTarget.Check(file, opensThroughLinks: true));
        Assert.False(FileTarget.Check(Path.Combine(_folder, "missing", "b.txt"), opensThroughLinks: false));
    }

    [Fact]
    public void A_folder_a_trailing_separator_and_a_link_to_nothing_are_refused()
    {
        Assert.Equal("PimFilePathInvalid", Assert.Throws<PimException>(() => FileTarget.Check(_folder, opensThroughLinks: false)).ErrorId);
        Assert.Equal("PimFilePathInvalid", Assert.Throws<PimException>(() => FileTarget.Check(Path.Combine(_folder, "new") + Path.DirectorySeparatorChar, false)).ErrorId);
        if (OperatingSystem.IsWindows()) return;
        var link = Path.Combine(_folder, "dangling");
        File.CreateSymbolicLink(link, Path.Combine(_folder, "nothing"));
        Assert.Equal("PimFilePathInvalid", Assert.Throws<PimException>(() => FileTarget.Check(link, opensThroughLinks: true)).ErrorId);
        Assert.True(FileTarget.Check(link, opensThroughLinks: false)); // a writer that replaces the name replaces the link
    }

    [Fact]
    public void A_device_and_a_link_to_it_are_refused()
    {
        if (OperatingSystem.IsWindows()) return;
        Assert.Equal("PimFilePathInvalid", Assert.Throws<PimException>(() => FileTarget.Check("/dev/null", opensThroughLinks: false)).ErrorId);
        var link = Path.Combine(_folder, "null");
        File.CreateSymbolicLink(link, "/dev/null");
        Assert.Equal("PimFilePathInvalid", Assert.Throws<PimException>(() => FileTarget.Check(link, opensThroughLinks: true)).ErrorId);
    }

    [Fact]
    public void Missing_folders_are_made_owner_only_and_a_file_in_the_way_is_refused()
    {
        var deep = Path.Combine(_folder, "one", "two");
        FileTarget.MakeFolder(deep, PimErrors.FileNotWritable);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(Path.Combine(_folder, "one")));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(deep));
        }
        var file = Path.Combine(_folder, "file");
        File.WriteAllText(file, "x");
        Assert.Equal("PimFileNotWritable", Assert.Throws<PimException>(() => FileTarget.MakeFolder(Path.Combine(file, "sub"), PimErrors.FileNotWritable)).ErrorId);
    }
}
