using Fpo.Testing;

// One throwaway Azurite for every test class of this assembly; each test keeps to its own run id (and so blob prefix).
[assembly: AssemblyFixture(typeof(AzuriteFixture))]
