using BenchmarkDotNet.Running;

// Micro-benchmarks: dotnet run -c Release --project tests/Mesh.Benchmarks -- --filter '*'
// What the round trip allocates per call, with the types behind it: ... -- alloc
if (args is ["alloc"])
{
    await Mesh.Benchmarks.AllocationProbe.RunAsync();
    return;
}

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
