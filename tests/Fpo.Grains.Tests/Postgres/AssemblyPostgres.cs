using Fpo.Testing;

// One throwaway PostgreSQL server for every test class of this assembly; each test keeps to its own run id.
[assembly: AssemblyFixture(typeof(PostgresFixture))]
