namespace Mesh.Generators;

/// <summary>The names of the pipeline steps, which incrementality tests look up.</summary>
internal static class TrackingNames
{
    public const string ParseResults = nameof(ParseResults);
    public const string Services = nameof(Services);
    public const string NamedServices = nameof(NamedServices);
    public const string RegistrationEntries = nameof(RegistrationEntries);
    public const string Registrations = nameof(Registrations);
    public const string ReferencedDefinitions = nameof(ReferencedDefinitions);
    public const string Registration = nameof(Registration);
}
