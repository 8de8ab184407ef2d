namespace Fpo.Grains.Roles;

/// <summary>
/// How grains lease: a record stays hidden for <see cref="Visibility"/> (long enough for one batch; the trainer extends
/// the leases it holds across steps), and a grain with nothing to do waits up to <see cref="Wait"/> for work before its
/// step returns, so idle grains neither spin nor delay a clean stop for long.
/// </summary>
public sealed record LeaseSettings
{
    public TimeSpan Visibility { get; init; } = TimeSpan.FromMinutes(2);
    public TimeSpan Wait { get; init; } = TimeSpan.FromMilliseconds(500);
}
