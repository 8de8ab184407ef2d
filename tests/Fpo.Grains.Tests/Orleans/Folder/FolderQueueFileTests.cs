using Fpo.Grains.Orleans.Folder;
using Fpo.Grains.Tests.Embedded;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans.Runtime;
using Orleans.Serialization;

namespace Fpo.Grains.Tests.Orleans.Folder;

/// <summary>The queue files themselves, without a silo: what a reopened file holds after acknowledgements, torn writes and damage.</summary>
public sealed class FolderQueueFileTests : RunFolder
{
    private static readonly StreamId Stream = StreamId.Create("orders", "a");
    private readonly LogLines _log = new();

    private string QueuePath => Path.Combine(Folder, "queue-0.log");

    private FolderQueue Open() => new(QueuePath, 0, compactionBytes: 1 << 20, new PendingCounts(), _log.CreateLogger("queue"));

    private static byte[] Payload(int i) => [(byte)i, 42];

    [Fact]
    public void Acknowledged_records_do_not_come_back_and_the_rest_keep_their_sequence_and_order()
    {
        using (var queue = Open())
        {
            for (var i = 1; i <= 4; i++) Assert.Equal(i, queue.Append(Stream, Payload(i)));
            Assert.Equal(4, queue.Take(10).Count);
            queue.Acknowledge([1, 3]);
        }
        using var reopened = Open();
        var pending = reopened.Take(10);
        Assert.Equal([2L, 4L], pending.Select(r => r.Sequence));
        Assert.Equal(Stream, pending[0].StreamId);
        Assert.Equal(Payload(2), pending[0].Payload);
        Assert.Equal(5, reopened.Append(Stream, Payload(5)));
    }

    [Fact]
    public void A_torn_last_record_is_dropped_with_a_warning_and_the_complete_records_before_it_are_kept()
    {
        using (var queue = Open())
            for (var i = 1; i <= 3; i++) queue.Append(Stream, Payload(i));
        var complete = new FileInfo(QueuePath).Length;
        var lastRecord = QueueRecord.EncodeAppend(4, Stream, Payload(4));
        using (var file = new FileStream(QueuePath, FileMode.Append))
            file.Write(lastRecord.AsSpan(0, lastRecord.Length - 1));

        using (var reopened = Open())
        {
            Assert.Equal([1L, 2L, 3L], reopened.Take(10).Select(r => r.Sequence));
            Assert.Equal(complete, new FileInfo(QueuePath).Length);
            Assert.Equal(4, reopened.Append(Stream, Payload(4)));
        }
        var warning = Assert.Single(_log.Lines);
        Assert.Equal($"Warning: queue-0.log: dropped a torn last record ({lastRecord.Length - 1} bytes at byte {complete}); the process stopped while writing it. The 3 pending records before it are kept.", warning);
        using var again = Open();
        Assert.Equal([1L, 2L, 3L, 4L], again.Take(10).Select(r => r.Sequence));
    }

    [Fact]
    public void Garbage_after_the_last_record_is_cut_off_too()
    {
        using (var queue = Open()) queue.Append(Stream, Payload(1));
        File.AppendAllText(QueuePath, "not a record at all");
        using var reopened = Open();
        Assert.Equal([1L], reopened.Take(10).Select(r => r.Sequence));
        Assert.Contains("dropped a torn last record (19 bytes", Assert.Single(_log.Lines), StringComparison.Ordinal);
    }

    [Fact]
    public void A_damaged_record_with_complete_records_after_it_is_refused_not_skipped()
    {
        using (var queue = Open())
            for (var i = 1; i <= 3; i++) queue.Append(Stream, Payload(i));
        var bytes = File.ReadAllBytes(QueuePath);
        var second = QueueRecord.EncodeStart(1).Length + QueueRecord.EncodeAppend(1, Stream, Payload(1)).Length;
        bytes[second + FramedFile.HeaderLength + 2] ^= 0xFF;
        File.WriteAllBytes(QueuePath, bytes);

        var error = Assert.Throws<InvalidDataException>(Open);
        Assert.Contains($"queue-0.log: the record at byte {second} is damaged, yet complete records follow", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_folder_serves_one_silo_and_keeps_its_queue_count()
    {
        var serializer = new ServiceCollection().AddSerializer().BuildServiceProvider().GetRequiredService<Serializer>();
        FolderStreamQueues Queues(int count) => new("folder", Folder, new FolderStreamOptions { QueueCount = count }, serializer, TimeProvider.System, new Logger<FolderStreamQueues>(new LoggerFactory([_log])));
        using (Queues(4))
        {
            var busy = Assert.Throws<InvalidOperationException>(() => Queues(4));
            Assert.Contains($"{Folder} is in use by another silo or provider", busy.Message, StringComparison.Ordinal);
        }
        var recount = Assert.Throws<InvalidOperationException>(() => Queues(8));
        Assert.Contains("holds 4 queues, the options ask for 8", recount.Message, StringComparison.Ordinal);
        using var reopened = Queues(4);
    }
}
