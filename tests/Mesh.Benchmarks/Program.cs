using BenchmarkDotNet.Running;

// Micro-benchmarks: dotnet run -c Release --project tests/Mesh.Benchmarks -- --filter '*'
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
