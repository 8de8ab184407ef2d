namespace Fpo.Tensors.Tests;

public class RopeTableTests
{
    // 200 rows split over threads; HS 16, 48, 64 run the scalar, mixed and all-vector rotations
    [Theory]
    [InlineData(16)]
    [InlineData(48)]
    [InlineData(64)]
    public void ForwardMatchesHuggingFaceRotateHalf(int HS)
    {
        const int N = 200, NH = 3, offset = 4;
        const double theta = 10000;
        var stride = 3 * NH * HS + 5;
        var rope = new RopeTable(64, HS, (float)theta);
        var positions = Enumerable.Range(0, N).Select(n => n * 37 % 64).ToArray();
        var x = KernelCheck.Random(N * stride, 1);
        var expected = KernelCheck.ToDouble(x);
        for (var n = 0; n < N; n++)
            for (var h = 0; h < NH; h++)
            {
                var o = n * stride + offset + h * HS;
                // HF: q*cos + rotate_half(q)*sin, rotate_half(q) = [-q2, q1], cos/sin of pos*inv_freq repeated twice
                for (var i = 0; i < HS; i++)
                {
                    var angle = positions[n] / Math.Pow(theta, 2.0 * (i % (HS / 2)) / HS);
                    var rotated = i < HS / 2 ? -x[o + i + HS / 2] : x[o + i - HS / 2];
                    expected[o + i] = x[o + i] * Math.Cos(angle) + rotated * Math.Sin(angle);
                }
            }
        rope.Forward(x, positions, N, stride, offset, NH);
        KernelCheck.Close("rope", x, expected, 1e-6);
    }

    [Fact]
    public void BackwardInvertsForward()
    {
        for (var HS = 2; HS <= 64; HS += 2)
        {
            const int N = 5, NH = 2;
            var rope = new RopeTable(100, HS, 500000f);
            int[] positions = [0, 99, 3, 50, 1];
            var x = KernelCheck.Random(N * NH * HS, HS);
            var y = (float[])x.Clone();
            rope.Forward(y, positions, N, NH * HS, 0, NH);
            rope.Backward(y, positions, N, NH * HS, 0, NH);
            KernelCheck.Close($"rope round trip HS={HS}", y, KernelCheck.ToDouble(x), 1e-6);
        }
    }

    [Fact]
    public void BackwardIsTheTransposeOfForward()
    {
        const int N = 3, NH = 2, HS = 8;
        var rope = new RopeTable(16, HS, 10000f);
        int[] positions = [2, 7, 15];
        var x = KernelCheck.Random(N * NH * HS, 1);
        var dy = KernelCheck.Random(N * NH * HS, 2);
        var y = (float[])x.Clone();
        rope.Forward(y, positions, N, NH * HS, 0, NH);
        var dx = (float[])dy.Clone();
        rope.Backward(dx, positions, N, NH * HS, 0, NH);
        double lhs = 0, rhs = 0;
        for (var i = 0; i < x.Length; i++)
        {
            lhs += (double)y[i] * dy[i];
            rhs += (double)x[i] * dx[i];
        }
        Assert.Equal(lhs, rhs, 1e-5);
    }

    [Fact]
    public void PositionOutsideTableIsRejected()
    {
        var rope = new RopeTable(4, 8, 10000f);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => rope.Forward(new float[8], [4], 1, 8, 0, 1));
        Assert.Contains("position 4 at row 0", e.Message, StringComparison.Ordinal);
    }
}
