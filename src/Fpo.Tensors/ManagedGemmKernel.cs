namespace Fpo.Tensors;

/// <summary>The instruction sets <see cref="ManagedGemm"/> has micro-kernels for: 4x4 scalar, 6x16 AVX2+FMA, 12x32 AVX-512.</summary>
public enum ManagedGemmKernel { Scalar, Avx2, Avx512 }
