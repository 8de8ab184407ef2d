using Orleans.Hosting;

namespace Fpo.Grains.Orleans.Postgres;

/// <summary>Reminders in PostgreSQL (OrleansRemindersTable). The silo prepares the schema first (<see cref="PostgresOrleansSchema"/>).</summary>
public static class PostgresRemindersExtensions
{
    public static ISiloBuilder UsePostgresReminders(this ISiloBuilder builder, string connectionString)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddPostgresOrleansSchema(connectionString);
        builder.UseAdoNetReminderService(options =>
        {
            options.Invariant = PostgresOrleansSchema.Invariant;
            options.ConnectionString = connectionString;
        });
        return builder;
    }
}
