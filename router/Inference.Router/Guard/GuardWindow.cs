using System.Globalization;
using Inference.Router.Configuration;

namespace Inference.Router.Guard;

/// <summary>
/// The guard's sliding window over one experiment's calls: per group, counts of calls and server faults and a latency
/// histogram in <see cref="Slots"/> time slots, summed over the slots of the last window. Every judged call is recorded,
/// then its group is judged against control; the first breach trips the window, which then reports nothing more (a
/// new routing snapshot starts a new window).
/// </summary>
internal sealed class GuardWindow
{
    public const int Slots = 10;

    private readonly Lock _lock = new();
    private readonly GuardConfig _config;
    private readonly string[] _groups;
    private readonly int _control;
    private readonly double _slotSeconds;
    private readonly GroupCounts[] _counts;
    private long _epoch = long.MinValue;
    private bool _tripped;

    public GuardWindow(GuardConfig config, IReadOnlyList<string> groups, int control)
    {
        _config = config;
        _groups = [.. groups];
        _control = control;
        _slotSeconds = config.Window.TotalSeconds / Slots;
        _counts = new GroupCounts[groups.Count];
        for (var i = 0; i < _counts.Length; i++)
        {
            _counts[i] = new GroupCounts();
        }
    }

    public GuardConfig Config => _config;

    /// <summary>Whether a breach was reported.</summary>
    public bool Tripped
    {
        get
        {
            lock (_lock)
            {
                return _tripped;
            }
        }
    }

    /// <summary>Records one call of group <paramref name="group"/> and judges that group.</summary>
    /// <param name="nowSeconds">The time of the call's end, in seconds on any monotonic clock.</param>
    /// <param name="judge">False while the experiment is rolled back: calls are still counted (the dashboard shows them), nothing trips.</param>
    /// <returns>The breach, the first time one is seen; otherwise null.</returns>
    public string? Record(int group, bool fault, double seconds, double nowSeconds, bool judge = true)
    {
        lock (_lock)
        {
            var slot = Advance(nowSeconds);
            _counts[group].Add(slot, fault, seconds);
            if (_tripped || !judge || group == _control)
            {
                return null;
            }

            var breach = Judge(group);
            _tripped = breach is not null;
            return breach;
        }
    }

    /// <summary>Every group's figures over the window ending at <paramref name="nowSeconds"/>.</summary>
    public GroupFigures[] Figures(double nowSeconds)
    {
        lock (_lock)
        {
            Advance(nowSeconds);
            var figures = new GroupFigures[_groups.Length];
            for (var i = 0; i < figures.Length; i++)
            {
                figures[i] = Figure(i);
            }

            return figures;
        }
    }

    private GroupFigures Figure(int group)
    {
        var counts = _counts[group];
        return new GroupFigures(_groups[group], counts.Calls, counts.Faults, counts.P99());
    }

    private string? Judge(int group)
    {
        var candidate = Figure(group);
        if (candidate.Calls < _config.MinRequests)
        {
            return null;
        }

        var control = Figure(_control);
        // Without enough control calls the baseline is "no faults": a rollback is the safe side.
        var baseline = control.Calls >= _config.MinRequests ? control.FaultRate : 0;
        var window = _config.Window.TotalSeconds.ToString(CultureInfo.InvariantCulture);
        if (candidate.FaultRate - baseline > _config.MaxErrorRateIncrease)
        {
            return string.Create(CultureInfo.InvariantCulture,
                $"group '{candidate.Group}' server-fault rate {candidate.FaultRate:0.####} ({candidate.Faults} of {candidate.Calls} calls) exceeds control's {baseline:0.####} ({control.Faults} of {control.Calls}) by more than {_config.MaxErrorRateIncrease} over the last {window} s");
        }

        if (control.Calls >= _config.MinRequests && candidate.P99Seconds > _config.MaxP99LatencyRatio * control.P99Seconds)
        {
            return string.Create(CultureInfo.InvariantCulture,
                $"group '{candidate.Group}' p99 latency {candidate.P99Seconds:0.######} s ({candidate.Calls} calls) is more than {_config.MaxP99LatencyRatio} x control's {control.P99Seconds:0.######} s ({control.Calls} calls) over the last {window} s");
        }

        return null;
    }

    // Moves the window to the slot of nowSeconds, emptying the slots that fell out of it.
    private int Advance(double nowSeconds)
    {
        var epoch = (long)Math.Floor(nowSeconds / _slotSeconds);
        if (epoch > _epoch)
        {
            var expired = _epoch == long.MinValue ? Slots : (int)Math.Min(Slots, epoch - _epoch);
            for (var step = 1; step <= expired; step++)
            {
                var slot = (int)(((epoch - expired + step) % Slots + Slots) % Slots);
                foreach (var counts in _counts)
                {
                    counts.Clear(slot);
                }
            }

            _epoch = epoch;
        }

        // A timestamp from before the current slot (a call that ended while another advanced the window) counts in the current slot.
        return (int)((_epoch % Slots + Slots) % Slots);
    }

    private sealed class GroupCounts
    {
        private readonly long[] _slotCalls = new long[Slots];
        private readonly long[] _slotFaults = new long[Slots];
        private readonly long[,] _slotLatency = new long[Slots, LatencyBuckets.Count];
        private readonly long[] _latency = new long[LatencyBuckets.Count];

        public long Calls { get; private set; }

        public long Faults { get; private set; }

        public void Add(int slot, bool fault, double seconds)
        {
            var bucket = LatencyBuckets.Of(seconds);
            _slotCalls[slot]++;
            _slotLatency[slot, bucket]++;
            _latency[bucket]++;
            Calls++;
            if (fault)
            {
                _slotFaults[slot]++;
                Faults++;
            }
        }

        public void Clear(int slot)
        {
            Calls -= _slotCalls[slot];
            Faults -= _slotFaults[slot];
            _slotCalls[slot] = 0;
            _slotFaults[slot] = 0;
            for (var bucket = 0; bucket < LatencyBuckets.Count; bucket++)
            {
                _latency[bucket] -= _slotLatency[slot, bucket];
                _slotLatency[slot, bucket] = 0;
            }
        }

        public double P99()
        {
            if (Calls == 0)
            {
                return 0;
            }

            var rank = (long)Math.Ceiling(Calls * 0.99);
            long seen = 0;
            for (var bucket = 0; bucket < LatencyBuckets.Count; bucket++)
            {
                seen += _latency[bucket];
                if (seen >= rank)
                {
                    return LatencyBuckets.UpperBound(bucket);
                }
            }

            return LatencyBuckets.UpperBound(LatencyBuckets.Count - 1);
        }
    }
}
