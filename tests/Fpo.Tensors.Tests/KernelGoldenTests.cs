using Fpo.Models.Checkpoints;
using Fpo.Testing;

namespace Fpo.Tensors.Tests;

/// <summary>Each kernel against PyTorch autograd on the inputs tests/reference/kernels.py wrote.</summary>
public sealed class KernelGoldenTests(ITestOutputHelper output) : IDisposable
{
    private readonly SafetensorsFile golden = GoldenFile.Open("kernels.safetensors");
    private readonly StringWriter log = new();

    public void Dispose()
    {
        output.WriteLine(log.ToString());
        golden.Dispose();
    }

    private float[] Read(string name) => golden.ReadFloat32(name);
    private int[] ReadInts(string name) => [.. Read(name).Select(v => (int)v)];
    private int Dim(string name, int axis) => (int)golden.Tensors[name].Shape[axis];

    private void Close(string name, float[] actual, float[] expected) =>
        TensorComparison.AssertClose(name, actual, expected, rtol: 1e-4f, log: log);

    [Fact]
    public void Linear()
    {
        int N = Dim("linear.inp", 0), C = Dim("linear.inp", 1), OC = Dim("linear.weight", 0);
        var outp = new float[N * OC];
        Tensors.Linear.Forward(outp, Read("linear.inp"), Read("linear.weight"), Read("linear.bias"), N, C, OC);
        Close("linear.out", outp, Read("linear.out"));
        float[] dinp = new float[N * C], dw = new float[OC * C], db = new float[OC];
        Tensors.Linear.Backward(dinp, dw, db, Read("linear.dout"), Read("linear.inp"), Read("linear.weight"), N, C, OC);
        Close("linear.dinp", dinp, Read("linear.dinp"));
        Close("linear.dweight", dw, Read("linear.dweight"));
        Close("linear.dbias", db, Read("linear.dbias"));
    }

    [Fact]
    public void LayerNorm()
    {
        int N = Dim("layernorm.inp", 0), C = Dim("layernorm.inp", 1);
        float[] outp = new float[N * C], mean = new float[N], rstd = new float[N];
        var (x, w) = (Read("layernorm.inp"), Read("layernorm.weight"));
        Tensors.LayerNorm.Forward(outp, mean, rstd, x, w, Read("layernorm.bias"), N, C, 1e-5f);
        Close("layernorm.out", outp, Read("layernorm.out"));
        float[] dinp = new float[N * C], dw = new float[C], db = new float[C];
        Tensors.LayerNorm.Backward(dinp, dw, db, Read("layernorm.dout"), x, w, mean, rstd, N, C);
        Close("layernorm.dinp", dinp, Read("layernorm.dinp"));
        Close("layernorm.dweight", dw, Read("layernorm.dweight"));
        Close("layernorm.dbias", db, Read("layernorm.dbias"));
    }

    [Fact]
    public void RmsNorm()
    {
        int N = Dim("rmsnorm.inp", 0), C = Dim("rmsnorm.inp", 1);
        float[] outp = new float[N * C], rstd = new float[N];
        var (x, w) = (Read("rmsnorm.inp"), Read("rmsnorm.weight"));
        Tensors.RmsNorm.Forward(outp, rstd, x, w, N, C, 1e-6f);
        Close("rmsnorm.out", outp, Read("rmsnorm.out"));
        float[] dinp = new float[N * C], dw = new float[C];
        Tensors.RmsNorm.Backward(dinp, dw, Read("rmsnorm.dout"), x, w, rstd, N, C);
        Close("rmsnorm.dinp", dinp, Read("rmsnorm.dinp"));
        Close("rmsnorm.dweight", dw, Read("rmsnorm.dweight"));
    }

    [Fact]
    public void GeluAndSwiGlu()
    {
        var x = Read("gelu.inp");
        var outp = new float[x.Length];
        Tensors.Gelu.Forward(outp, x);
        Close("gelu.out", outp, Read("gelu.out"));
        var dinp = new float[x.Length];
        Tensors.Gelu.Backward(dinp, x, Read("gelu.dout"));
        Close("gelu.dinp", dinp, Read("gelu.dinp"));

        var (gate, up) = (Read("swiglu.gate"), Read("swiglu.up"));
        outp = new float[gate.Length];
        Tensors.SwiGlu.Forward(outp, gate, up);
        Close("swiglu.out", outp, Read("swiglu.out"));
        float[] dgate = new float[gate.Length], dup = new float[gate.Length];
        Tensors.SwiGlu.Backward(dgate, dup, Read("swiglu.dout"), gate, up);
        Close("swiglu.dgate", dgate, Read("swiglu.dgate"));
        Close("swiglu.dup", dup, Read("swiglu.dup"));
    }

    [Fact]
    public void Softmax()
    {
        int N = Dim("softmax.inp", 0), C = Dim("softmax.inp", 1);
        var outp = new float[N * C];
        Tensors.Softmax.Forward(outp, Read("softmax.inp"), N, C);
        Close("softmax.out", outp, Read("softmax.out"));
        var dinp = new float[N * C];
        Tensors.Softmax.Backward(dinp, Read("softmax.dout"), outp, N, C);
        Close("softmax.dinp", dinp, Read("softmax.dinp"));
    }

    [Fact]
    public void Rope()
    {
        int N = Dim("rope.inp", 0), NH = Dim("rope.inp", 1), HS = Dim("rope.inp", 2);
        var positions = ReadInts("rope.positions");
        var rope = new RopeTable(positions.Max() + 1, HS, 10000f);
        var x = Read("rope.inp");
        rope.Forward(x, positions, N, NH * HS, 0, NH);
        Close("rope.out", x, Read("rope.out"));
        var dx = Read("rope.dout");
        rope.Backward(dx, positions, N, NH * HS, 0, NH);
        Close("rope.dinp", dx, Read("rope.dinp"));
    }

    [Fact]
    public void Attention()
    {
        int B = Dim("attention.att", 0), NH = Dim("attention.att", 1), T = Dim("attention.att", 2);
        var HS = Dim("attention.out", 2) / NH;
        var NKV = (Dim("attention.qkv", 2) / HS - NH) / 2;
        var qkv = Read("attention.qkv");
        float[] outp = new float[B * T * NH * HS], att = new float[B * NH * T * T];
        Tensors.Attention.Forward(outp, att, qkv, B, T, NH, NKV, HS);
        Close("attention.att", att, Read("attention.att"));
        Close("attention.out", outp, Read("attention.out"));
        float[] dqkv = new float[qkv.Length], datt = new float[att.Length];
        Tensors.Attention.Backward(dqkv, datt, Read("attention.dout"), qkv, att, B, T, NH, NKV, HS);
        Close("attention.dqkv", dqkv, Read("attention.dqkv"));
    }

    [Fact]
    public void CrossEntropy()
    {
        int N = Dim("crossentropy.logits", 0), V = Dim("crossentropy.logits", 1);
        var targets = ReadInts("crossentropy.targets");
        float[] losses = new float[N], probs = new float[N * V], dlogits = new float[N * V];
        Tensors.CrossEntropy.Forward(losses, probs, Read("crossentropy.logits"), targets, N, V);
        Close("crossentropy.losses", losses, Read("crossentropy.losses"));
        Close("crossentropy.probs", probs, Read("crossentropy.probs"));
        Tensors.CrossEntropy.Backward(dlogits, Read("crossentropy.dlosses"), probs, targets, N, V);
        Close("crossentropy.dlogits", dlogits, Read("crossentropy.dlogits"));
    }

    [Fact]
    public void Embedding()
    {
        int N = Dim("embedding.tokens", 0), C = Dim("embedding.wte", 1);
        int[] tokens = ReadInts("embedding.tokens"), positions = ReadInts("embedding.positions");
        var outp = new float[N * C];
        Tensors.Embedding.Forward(outp, tokens, positions, Read("embedding.wte"), Read("embedding.wpe"), N, C);
        Close("embedding.out", outp, Read("embedding.out"));
        float[] dwte = new float[Read("embedding.wte").Length], dwpe = new float[Read("embedding.wpe").Length];
        Tensors.Embedding.Backward(dwte, dwpe, Read("embedding.dout"), tokens, positions, N, C);
        Close("embedding.dwte", dwte, Read("embedding.dwte"));
        Close("embedding.dwpe", dwpe, Read("embedding.dwpe"));
    }
}
