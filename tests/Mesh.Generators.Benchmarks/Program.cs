using BenchmarkDotNet.Running;

// dotnet run -c Release --project tests/Mesh.Generators.Benchmarks -- --filter '*'
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
