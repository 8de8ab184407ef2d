using System.Runtime.CompilerServices;

// The sampler's tests check the random generator against its reference outputs and the selection helpers directly.
[assembly: InternalsVisibleTo("Fpo.Models.Tests")]
