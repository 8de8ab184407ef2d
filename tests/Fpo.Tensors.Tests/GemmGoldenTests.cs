using Fpo.Testing;

namespace Fpo.Tensors.Tests;

/// <summary>Every GEMM backend against torch.matmul on the cases tests/reference/gemm.py writes.</summary>
public class GemmGoldenTests(ITestOutputHelper output)
{
    [Theory]
    [MemberData(nameof(GemmTests.Backends), MemberType = typeof(GemmTests))]
    public void MatchesTorchMatmul(string backend)
    {
        var gemm = GemmTests.Backend(backend);
        using var file = GoldenFile.Open("gemm.safetensors");
        Assert.NotEmpty(file.Metadata);
        var log = new StringWriter();
        foreach (var (name, spec) in file.Metadata)
        {
            var f = spec.Split(',').Select(int.Parse).ToArray();
            int m = f[0], n = f[1], k = f[2];
            bool transA = f[3] == 1, transB = f[4] == 1;
            var a = file.ReadFloat32(name + ".a"); // (m,k), or (k,m) when transA
            var b = file.ReadFloat32(name + ".b"); // (k,n), or (n,k) when transB
            var expected = file.ReadFloat32(name + ".c"); // (m,n)
            var c = new float[m * n]; // (m,n)
            gemm.Multiply(transA, transB, m, n, k, 1f, a, transA ? m : k, b, transB ? k : n, 0f, c, n);
            // Both sides accumulate k ≤ 300 products in float32 in different orders (and PyTorch's BLAS in an order that
            // depends on its build and the CPU's core type), each with an error of about √k·ε relative: 2e-4 holds both.
            TensorComparison.AssertClose($"{gemm.Name} {name}", c, expected, rtol: 2e-4f, log: log);
        }
        output.WriteLine(log.ToString());
    }
}
