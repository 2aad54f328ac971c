using System.Runtime.CompilerServices;

// The error factory (PimErrors) is shared by the cmdlets and the engine, and tested by xunit; it is not public surface.
[assembly: InternalsVisibleTo("PimModule")]
[assembly: InternalsVisibleTo("PimModule.Engine")]
[assembly: InternalsVisibleTo("PimModule.Tests")]
