namespace Fpo.Models.Transformer;

// Which kernel a block's linear layers run: the GEMM (training and fp32 prefill), or DecodeLinear, whose rows are
// bitwise independent of each other, with fp32 or bf16 weights.
internal enum LinearPath
{
    Gemm,
    DecodeFloat32,
    DecodeBFloat16,
}
