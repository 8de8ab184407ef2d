#:project ../src/Fpo.Silo/Fpo.Silo.csproj
#:property PublishAot=false
// GEMM GFLOP/s of the managed GEMM, OpenBLAS and torch.matmul, until `./fpo bench engine` reports them.
// usage: dotnet run -c Release bench/gemm.cs -- [THREADS [SIZE ...]]   (default: all cores, 1024 and 2048)
using Fpo.Silo.Bench;

var threads = args.Length > 0 ? int.Parse(args[0]) : Environment.ProcessorCount;
var sizes = args.Length > 1 ? args[1..].Select(int.Parse).ToArray() : [1024, 2048];
foreach (var size in sizes)
    foreach (var r in GemmBenchmark.Run(size, threads))
        Console.WriteLine($"{r.Size,5}^3 {r.Backend,-16} threads={r.Threads} {r.Gflops,7:F1} GFLOP/s");
