namespace PimModule;

/// <summary>What a change would do, for -WhatIf and -Confirm: the target and the action, in words.</summary>
public readonly record struct PimChange(string Target, string Action);
