using System.Diagnostics;
using Fpo.Tensors;

namespace Fpo.Models.Generation;

public sealed partial class GenerationEngine
{
    // Rows of one step are drawn in parallel only when each worker gets at least this many logits to sample from.
    private const int MinLogitsPerWorker = 1 << 14;

    /// <summary>
    /// One Generate call: the decode loop and the slot bookkeeping. A slot's first positions keep the prompt of the
    /// request that last used it until another request takes the slot, so while a request still has samples to start
    /// its prompt is always in some slot (a freed slot goes to that request first), and no prompt is prefilled twice.
    /// </summary>
    private sealed class Batching
    {
        private readonly GenerationEngine _engine;
        private readonly Func<RequestRun?> _next;  // the next waiting request, or null when none waits
        private readonly IProgress<GenerationProgress>? _progress;
        private readonly CancellationToken _ct;
        private readonly SampleRun?[] _live;      // (MaxBatch) the sample decoding in each slot
        private readonly RequestRun?[] _prompt;   // (MaxBatch) the request whose prompt fills each slot's first positions
        private readonly SampleRun[] _rows;       // (MaxBatch) samples of the current step, in slot order
        private readonly int[] _slots, _tokens;   // (MaxBatch) inputs of the current step
        private readonly GenerationResult[]? _results;  // by request index; null when results only go to RequestCompleted
        private readonly Action<int, int> _drawRows;
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private RequestRun? _open;                // prefilled, with samples still to start
        private int _completed, _steps;
        private long _generated;

        public Batching(GenerationEngine engine, Func<RequestRun?> next, GenerationResult[]? results,
            IProgress<GenerationProgress>? progress, CancellationToken ct)
        {
            (_engine, _next, _results, _progress, _ct) = (engine, next, results, progress, ct);
            var B = engine.MaxBatch;
            (_live, _prompt, _rows, _slots, _tokens) = (new SampleRun?[B], new RequestRun?[B], new SampleRun[B], new int[B], new int[B]);
            _drawRows = DrawRows;
        }

        /// <summary>Decodes until nothing is in flight and no request waits.</summary>
        public void Run()
        {
            while (true)
            {
                DropCancelled();
                Fill();
                if (!Array.Exists(_live, s => s is not null)) break;
                Step();
            }
            _progress?.Report(Progress(inFlight: 0));
        }

        // A request whose own token was cancelled leaves the batch before the next step; its slots go to waiting work.
        private void DropCancelled()
        {
            foreach (var sample in _live)
                if (sample?.Owner is { Error: null } owner && owner.Request.Cancellation.IsCancellationRequested)
                    Fail(owner, Cancelled(owner));
        }

        private static string Cancelled(RequestRun request) => $"request {request.Request.Id}: cancelled";

        // Gives free slots to waiting work: the remaining samples of the open request first, then new requests in order.
        private void Fill()
        {
            while (true)
            {
                _ct.ThrowIfCancellationRequested();
                var slot = FreeSlot(_open);
                if (slot < 0) return;
                if (_open is { } open) StartSample(open, slot);
                else if (_next() is not { } request) return;
                else if (request.Request.Cancellation.IsCancellationRequested) Fail(request, Cancelled(request));
                else Prefill(request, slot);
            }
        }

        // A free slot, preferring one that already holds the prompt of `request`; -1 when none is free.
        private int FreeSlot(RequestRun? request)
        {
            var any = -1;
            for (var s = 0; s < _live.Length; s++)
            {
                if (_live[s] is not null) continue;
                if (request is not null && _prompt[s] == request) return s;
                if (any < 0) any = s;
            }
            return any;
        }

        private void Prefill(RequestRun request, int slot)
        {
            var cache = _engine._cache;
            cache.Reset(slot);
            request.PromptLogits = _engine._model.Extend(cache, [slot], [request.Prompt.Length], request.Prompt).ToArray();
            _engine.Prefills++;
            _prompt[slot] = request;
            _open = request;
        }

        private void StartSample(RequestRun request, int slot)
        {
            var cache = _engine._cache;
            var P = request.Prompt.Length;
            if (_prompt[slot] == request)
                cache.Truncate(slot, P);
            else
            {
                cache.CopyPrefix(Array.IndexOf(_prompt, request), slot, P);
                _prompt[slot] = request;
                _engine.PrefixCopies++;
            }
            var sample = new SampleRun(request, request.Started++, slot, _engine._tokenizer is not null);
            var sampler = _engine.RentSampler();
            sample.Draw(sampler, request.PromptLogits, _engine._tokenBytes);
            _engine.ReturnSampler(sampler);
            if (request.AllStarted)
            {
                request.PromptLogits = null;
                _open = null;
            }
            Settle(sample);
        }

        // One decode step over every sequence in flight, then each row's next token.
        private void Step()
        {
            var S = 0;
            foreach (var sample in _live)
                if (sample is not null)
                {
                    (_rows[S], _slots[S], _tokens[S]) = (sample, sample.Slot, sample.LastToken);
                    S++;
                }
            var engine = _engine;
            engine._model.DecodeStep(engine._cache, _slots.AsSpan(0, S), _tokens.AsSpan(0, S)).CopyTo(engine._stepLogits);
            engine.DecodeSteps++;
            _steps++;
            ComputeThreads.For(S, _drawRows, minRange: Math.Max(1, MinLogitsPerWorker / engine.V));
            for (var i = 0; i < S; i++) Settle(_rows[i]);
            _progress?.Report(Progress(inFlight: S));
        }

        private GenerationProgress Progress(int inFlight) =>
            new(_steps, _completed, _results?.Length ?? _completed, inFlight, _generated, _clock.Elapsed);

        // Rows are independent (own history, random stream and text), so any split over workers gives the same tokens.
        private void DrawRows(int start, int end)
        {
            var engine = _engine;
            var sampler = engine.RentSampler();
            for (var i = start; i < end; i++)
                _rows[i].Draw(sampler, engine._stepLogits.AsSpan(i * engine.V, engine.V), engine._tokenBytes);
            engine.ReturnSampler(sampler);
        }

        // Puts a sample that just drew (or failed to) where it belongs: in flight, finished or failing its request.
        private void Settle(SampleRun sample)
        {
            var request = sample.Owner;
            _live[sample.Slot] = null;
            if (request.Error is not null) return;
            if (sample.Failure is { } failure)
            {
                Fail(request, failure);
                return;
            }
            _generated++;
            _engine.TokenGenerated?.Invoke(sample.LastAsEvent());
            if (sample.Finish is null)
            {
                _live[sample.Slot] = sample;
                return;
            }
            request.Samples[sample.Index] = sample.ToSample();
            if (++request.Finished == request.Request.N) Complete(request);
        }

        private void Fail(RequestRun request, string error)
        {
            request.Error = error;
            request.PromptLogits = null;
            for (var s = 0; s < _live.Length; s++)
                if (_live[s]?.Owner == request) _live[s] = null;
            if (_open == request) _open = null;
            Complete(request);
        }

        private void Complete(RequestRun request)
        {
            var result = request.ToResult();
            if (_results is not null) _results[request.Index] = result;
            _completed++;
            _engine.RequestCompleted?.Invoke(result);
        }
    }
}
