namespace PimModule.Kernel;

/// <summary>Why a directory object may not be imported as it is.</summary>
internal enum DirectoryRefusal
{
    /// <summary>Its user principal name is another object's.</summary>
    NameOfAnother,
    /// <summary>Its object id is known under another user principal name (a renamed user would hold assignments under two spellings).</summary>
    Renamed,
}

/// <summary>
/// One object id is one user principal name, one user principal name one object id — the one rule Import-PimDirectoryObject
/// and the state replay call.
/// </summary>
internal static class DirectoryRules
{
    /// <summary>
    /// Why the object <paramref name="id"/> may not be imported under <paramref name="principalKey"/> (the name's folded key),
    /// given the object the key names already (<paramref name="holderOfKey"/>) and the key the id has already
    /// (<paramref name="keyOfId"/>); null when it may.
    /// </summary>
    public static DirectoryRefusal? WhyNot(Guid id, string principalKey, Guid? holderOfKey, string? keyOfId)
        => keyOfId is not null && !string.Equals(keyOfId, principalKey, StringComparison.Ordinal) ? DirectoryRefusal.Renamed
            : holderOfKey is { } holder && holder != id ? DirectoryRefusal.NameOfAnother
            : null;
}
