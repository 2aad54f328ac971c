namespace PimModule.Errors;

/// <summary>
/// A refusal a caller names for the engine to throw (the shape of every <c>PimErrors</c> factory), so that a shared
/// mechanism — reading or writing a file — refuses with the calling cmdlet's own error id.
/// </summary>
public delegate PimException PimRefusal(string message, object? target, string? recommendedAction, Exception? inner);
