using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;
using PimModule.Errors;

namespace PimModule.Files;

/// <summary>
/// The one check of a path the module is about to write a file of its own at — a private key, an export, a store and a
/// copy of one — made before anything is opened or created there. What may be there: a regular file (to replace, or the
/// store to open), or nothing (a new file, in a folder that exists or that the command makes owner-only). Anything else is
/// refused by name (<c>PimFilePathInvalid</c>): a folder, a device (<c>/dev/null</c>), a named pipe or a socket, a path
/// ending in a separator, and — where the writer opens the path through a link (SQLite) — a link to one of those or to
/// nothing. A writer that replaces the name itself (<see cref="OwnerOnlyFile"/>: a new file renamed onto it) replaces a
/// link, never follows it.
/// </summary>
public static class FileTarget
{
    /// <summary>
    /// Checks <paramref name="path"/> (a full path); true when a regular file is there, false when nothing is.
    /// <paramref name="opensThroughLinks"/>: the writer opens the path (a link is judged by what it leads to).
    /// </summary>
    public static bool Check(string path, bool opensThroughLinks)
    {
        var full = Path.GetFullPath(path);
        if (Path.EndsInDirectorySeparator(full) && full.Length > 1)
            throw Invalid(full, "it ends in a folder separator, so it names a folder");
        var kind = KindOf(full, followLinks: false);
        if (kind == Kind.Link)
        {
            if (!opensThroughLinks) return true; // the name is replaced, not followed
            kind = KindOf(full, followLinks: true);
            if (kind == Kind.Missing) throw Invalid(full, "it is a symbolic link to nothing");
        }
        return kind switch
        {
            Kind.Missing => false,
            Kind.File => true,
            Kind.Folder => throw Invalid(full, "it is a folder"),
            Kind.Device => throw Invalid(full, "it is a device"),
            Kind.Pipe => throw Invalid(full, "it is a named pipe"),
            Kind.Socket => throw Invalid(full, "it is a socket"),
            _ => throw Invalid(full, "it is not a regular file"),
        };
    }

    /// <summary>
    /// Makes <paramref name="folder"/> and each missing folder above it owner-only (0700 on Linux and macOS; folders that
    /// exist are left as they are). A part of the path that is not a folder is refused with <paramref name="refuse"/>.
    /// </summary>
    public static void MakeFolder(string folder, PimRefusal refuse)
    {
        try
        {
            if (OperatingSystem.IsWindows()) { Directory.CreateDirectory(folder); return; }
            var missing = new Stack<string>();
            for (var f = folder; !string.IsNullOrEmpty(f) && !Directory.Exists(f); f = Path.GetDirectoryName(f)) missing.Push(f);
            while (missing.TryPop(out var f)) Directory.CreateDirectory(f, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException)
        {
            throw refuse($"The folder '{folder}' does not exist and cannot be created ({e.Message}). Nothing was written.", folder,
                "Give a path in a folder you can write to; a part of the path that is a file cannot be a folder.", e);
        }
    }

    private const UnixFileMode OwnerOnlyMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>
    /// An empty file already at <paramref name="path"/> that the module is about to make its own file in (a new store or
    /// a copy of one), judged on the open <paramref name="handle"/>: one owned by another user is refused by name
    /// (<c>PimFilePathInvalid</c>: its owner could change its mode and read or alter everything written to it); one of
    /// this user's is made readable by its owner only (0600) before anything is written — what a new file is made.
    /// </summary>
    public static void AdoptEmpty(SafeFileHandle handle, string path)
    {
        if (OperatingSystem.IsWindows()) return;
        var status = new byte[256];
        if (FStat(handle, status) != 0) return; // cannot be told: the writer's own refusal follows
        RefuseForeign(path, BitConverter.ToUInt32(status, 8), "an empty file");
        if ((File.GetUnixFileMode(handle) & ~OwnerOnlyMode) != 0) File.SetUnixFileMode(handle, OwnerOnlyMode);
    }

    /// <summary>
    /// The files SQLite keeps beside a store (<c>-wal</c>, <c>-shm</c>, <c>-journal</c>) when a store is made at
    /// <paramref name="path"/>: SQLite opens one that is already there as it is, so one owned by another user (or that is
    /// not a regular file) is refused by name (<c>PimFilePathInvalid</c>) and one of this user's is made 0600.
    /// </summary>
    public static void CheckBeside(string path, params string[] suffixes)
    {
        if (OperatingSystem.IsWindows()) return;
        foreach (var suffix in suffixes)
        {
            var side = path + suffix;
            var status = new byte[256];
            if (LStat(side, status) != 0) continue; // nothing there
            if ((BitConverter.ToInt32(status, 4) & 0xF000) != 0x8000)
                throw Invalid(side, "it is beside the new store and is not a regular file (SQLite would open it as the store's " + suffix + " file)");
            RefuseForeign(side, BitConverter.ToUInt32(status, 8), $"a file beside the new store (SQLite would write the store's {suffix} there)");
            if ((File.GetUnixFileMode(side) & ~OwnerOnlyMode) != 0) File.SetUnixFileMode(side, OwnerOnlyMode);
        }
    }

    private static void RefuseForeign(string path, uint owner, string what)
    {
        var me = GetEUid();
        if (owner == me) return;
        throw PimErrors.FilePathInvalid(
            $"'{path}' is {what} owned by {UserName(owner)}, not by {UserName(me)} who runs PimModule: a store written there would be " +
            "theirs (they could make it readable by anyone, and read or change every row). Nothing was opened or written.", path,
            "Remove the file (or have its owner remove it) and run the command again, or give a path in a folder only you can write to. " +
            "The module makes a new store itself, readable by its owner only.");
    }

    /// <summary>'name' (user id N), or the user id alone when it has no name.</summary>
    private static string UserName(uint uid)
    {
        try
        {
            foreach (var line in File.ReadLines("/etc/passwd"))
            {
                var fields = line.Split(':');
                if (fields.Length > 2 && uint.TryParse(fields[2], out var id) && id == uid) return $"'{fields[0]}' (user id {uid})";
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        return $"user id {uid}";
    }

    private static PimException Invalid(string path, string why)
        => PimErrors.FilePathInvalid($"'{path}' cannot be written as a file: {why}. Nothing was opened or written.", path,
            "Give the path of a file: a new one (in a folder that exists, or one the command makes), or a regular file to replace.");

    private enum Kind { Missing, File, Folder, Link, Device, Pipe, Socket, Other }

    private static Kind KindOf(string path, bool followLinks)
    {
        if (OperatingSystem.IsWindows())
        {
            FileSystemInfo info = new FileInfo(path);
            if (followLinks && info.Exists) info = info.ResolveLinkTarget(returnFinalTarget: true) ?? info;
            if (Directory.Exists(path)) return Kind.Folder;
            if (!info.Exists) return Kind.Missing;
            if (!followLinks && info.LinkTarget is not null) return Kind.Link;
            return info.Attributes.HasFlag(FileAttributes.Device) ? Kind.Device : Kind.File;
        }
        // The runtime's own stat (System.Native, shipped with every .NET on Linux and macOS): its FileStatus starts with
        // two int32, Flags and Mode; Mode's type bits are POSIX's S_IFMT.
        var status = new byte[256];
        var rc = followLinks ? Stat(path, status) : LStat(path, status);
        if (rc != 0) return Kind.Missing; // nothing there (or nothing this user may look at): the writer's own refusal follows
        var mode = BitConverter.ToInt32(status, 4) & 0xF000;
        return mode switch
        {
            0x8000 => Kind.File,
            0x4000 => Kind.Folder,
            0xA000 => Kind.Link,
            0x2000 or 0x6000 => Kind.Device,
            0x1000 => Kind.Pipe,
            0xC000 => Kind.Socket,
            _ => Kind.Other,
        };
    }

    [DllImport("libSystem.Native", EntryPoint = "SystemNative_Stat", SetLastError = true)]
    private static extern int Stat([MarshalAs(UnmanagedType.LPUTF8Str)] string path, [Out] byte[] status);

    // FileStatus (System.Native): int32 Flags, int32 Mode, uint32 Uid, uint32 Gid, ...
    [DllImport("libSystem.Native", EntryPoint = "SystemNative_FStat", SetLastError = true)]
    private static extern int FStat(SafeFileHandle fd, [Out] byte[] status);

    [DllImport("libSystem.Native", EntryPoint = "SystemNative_GetEUid")]
    private static extern uint GetEUid();

    [DllImport("libSystem.Native", EntryPoint = "SystemNative_LStat", SetLastError = true)]
    private static extern int LStat([MarshalAs(UnmanagedType.LPUTF8Str)] string path, [Out] byte[] status);
}
