namespace Mesh.Generators;

/// <summary>The names of the pipeline steps, which incrementality tests look up.</summary>
internal static class TrackingNames
{
    public const string ParseResults = nameof(ParseResults);
    public const string Services = nameof(Services);
    public const string Diagnostics = nameof(Diagnostics);
    public const string RegistrationEntries = nameof(RegistrationEntries);
    public const string Registrations = nameof(Registrations);
}
