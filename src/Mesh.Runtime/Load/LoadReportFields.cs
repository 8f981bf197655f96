namespace Mesh.Load;

/// <summary>The optional fields a <see cref="LoadReport"/> carries (the periodic broadcast sends all of them).</summary>
[Flags]
internal enum LoadReportFields : byte
{
    /// <summary>Only the core fields: sequence, time, in-flight, queued, service time, draining.</summary>
    None = 0,

    /// <summary><see cref="LoadReport.ConcurrencyLimit"/> is present.</summary>
    ConcurrencyLimit = 1 << 1,

    /// <summary><see cref="LoadReport.CpuPercent"/> is present.</summary>
    Cpu = 1 << 2,

    /// <summary><see cref="LoadReport.ThreadPoolQueue"/> is present.</summary>
    ThreadPoolQueue = 1 << 3,

    /// <summary>Every optional field.</summary>
    All = ConcurrencyLimit | Cpu | ThreadPoolQueue,
}
