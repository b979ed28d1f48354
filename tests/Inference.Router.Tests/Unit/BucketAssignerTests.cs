using System.Text;
using Inference.Router.Routing;
using Inference.Router.Tests.Infrastructure;

namespace Inference.Router.Tests.Unit;

public sealed class BucketAssignerTests
{
    // The contract, computed independently of the router's code.
    private static int ExpectedBucket(string experiment, string key) => ContractBucket.Of(experiment, key);

    [Theory]
    [InlineData("iris-v2-rollout", "user-1")]
    [InlineData("iris-v2-rollout", "user-2")]
    [InlineData("exp", "")]
    [InlineData("ünïcode-exp", "ключ-用户")]
    [InlineData("e", "a-rather-long-key-that-goes-past-the-stack-buffer-a-rather-long-key-that-goes-past-the-stack-buffer-a-rather-long-key-that-goes-past-the-stack-buffer-a-rather-long-key-that-goes-past-the-stack-buffer-a-rather-long-key-that-goes-past-the-stack-buffer-a-rather-long-key-that-goes-past-the-stack-buffer-x")]
    public void Bucket_MatchesSha256Contract(string experiment, string key)
    {
        var bucket = BucketAssigner.Bucket(Encoding.UTF8.GetBytes(experiment + ":"), key);
        Assert.Equal(ExpectedBucket(experiment, key), bucket);
    }

    [Fact]
    public void Bucket_ManyKeys_AllMatchContract()
    {
        var prefix = Encoding.UTF8.GetBytes("exp:");
        for (var i = 0; i < 2000; i++)
        {
            Assert.Equal(ExpectedBucket("exp", $"k{i}"), BucketAssigner.Bucket(prefix, $"k{i}"));
        }
    }

    [Fact]
    public void UpperBounds_AreFloorOfCumulativeShare()
    {
        Assert.Equal([9000, 10000], BucketAssigner.UpperBounds([90m, 10m]));
        Assert.Equal([3333, 6666, 10000], BucketAssigner.UpperBounds([1m, 1m, 1m]));
        Assert.Equal([0, 10000], BucketAssigner.UpperBounds([0m, 5m]));
        Assert.Equal([10000, 10000], BucketAssigner.UpperBounds([7m, 0m]));
        Assert.Equal([5, 10000], BucketAssigner.UpperBounds([0.05m, 99.95m]));
    }

    [Fact]
    public void GroupOf_ZeroWeightGroupOwnsNoBucket()
    {
        var bounds = BucketAssigner.UpperBounds([50m, 0m, 50m]);
        for (var bucket = 0; bucket < 10000; bucket++)
        {
            Assert.NotEqual(1, BucketAssigner.GroupOf(bounds, bucket));
        }

        Assert.Equal(0, BucketAssigner.GroupOf(bounds, 4999));
        Assert.Equal(2, BucketAssigner.GroupOf(bounds, 5000));
    }

    [Fact]
    public void Distribution_TenThousandKeys_WithinTolerance()
    {
        var prefix = Encoding.UTF8.GetBytes("iris-v2-rollout:");
        var bounds = BucketAssigner.UpperBounds([90m, 10m]);
        var treatment = 0;
        for (var i = 0; i < 10_000; i++)
        {
            if (BucketAssigner.GroupOf(bounds, BucketAssigner.Bucket(prefix, $"user-{i}")) == 1)
            {
                treatment++;
            }
        }

        // Binomial(10000, 0.1): sd = 30; 5 sd either side.
        Assert.InRange(treatment, 850, 1150);
    }

    [Fact]
    public void RampUp_MovesUsersOnlyTowardTheGrowingGroup()
    {
        var prefix = Encoding.UTF8.GetBytes("ramp:");
        var steps = new[] { 0m, 1m, 5m, 10m, 25m, 50m, 100m };
        var previous = new int[5000];
        for (var s = 0; s < steps.Length; s++)
        {
            var bounds = BucketAssigner.UpperBounds([100m - steps[s], steps[s]]);
            var moved = 0;
            for (var i = 0; i < previous.Length; i++)
            {
                var group = BucketAssigner.GroupOf(bounds, BucketAssigner.Bucket(prefix, $"u{i}"));
                if (s > 0)
                {
                    Assert.True(group >= previous[i], $"user u{i} moved from treatment back to control at {steps[s]}%");
                    moved += group != previous[i] ? 1 : 0;
                }

                previous[i] = group;
            }

            if (s > 0)
            {
                Assert.True(moved > 0, $"nobody moved at step {steps[s]}%");
            }
        }

        Assert.All(previous, g => Assert.Equal(1, g));
    }

    [Fact]
    public void GrowingTheLastGroup_MovesEveryBucketToTheSameOrALaterGroup_ForAnyNumberOfGroups()
    {
        // Contiguous ranges in configuration order: when only the last group grows, every other group's
        // upper bound can only fall, so no bucket moves to an earlier group.
        var random = new Random(20261123);
        for (var trial = 0; trial < 400; trial++)
        {
            var count = random.Next(2, 7);
            var before = Enumerable.Range(0, count).Select(_ => random.Next(4) == 0 ? 0m : random.Next(1, 10_000) / 100m).ToArray();
            if (before.Sum() == 0)
            {
                before[0] = 1m;
            }

            var after = before.ToArray();
            after[^1] += random.Next(1, 100_000) / 100m;
            var oldBounds = BucketAssigner.UpperBounds(before);
            var newBounds = BucketAssigner.UpperBounds(after);
            for (var bucket = 0; bucket < BucketAssigner.BucketCount; bucket++)
            {
                var from = BucketAssigner.GroupOf(oldBounds, bucket);
                var to = BucketAssigner.GroupOf(newBounds, bucket);
                Assert.True(to >= from, $"bucket {bucket} moved from group {from} back to group {to}: [{string.Join(", ", before)}] -> [{string.Join(", ", after)}]");
            }
        }
    }

    [Fact]
    public void GrowingTheLastOfThreeGroups_AlsoMovesUsersBetweenTheOtherGroups()
    {
        // What the property above does not promise: 50/25/25 -> 50/25/50 moves buckets 4000-4999 from
        // the first group to the second, which did not grow.
        var oldBounds = BucketAssigner.UpperBounds([50m, 25m, 25m]);
        var newBounds = BucketAssigner.UpperBounds([50m, 25m, 50m]);
        Assert.Equal([5000, 7500, 10000], oldBounds);
        Assert.Equal([4000, 6000, 10000], newBounds);
        for (var bucket = 4000; bucket < 5000; bucket++)
        {
            Assert.Equal((0, 1), (BucketAssigner.GroupOf(oldBounds, bucket), BucketAssigner.GroupOf(newBounds, bucket)));
        }
    }

    [Fact]
    public void LoweringAMiddleGroup_CanMoveUsersToAnEarlierGroup()
    {
        // 25/25/50 -> 25/5/50: the first group's range grows from [0, 2500) to [0, 3125).
        var oldBounds = BucketAssigner.UpperBounds([25m, 25m, 50m]);
        var newBounds = BucketAssigner.UpperBounds([25m, 5m, 50m]);
        Assert.Equal((1, 0), (BucketAssigner.GroupOf(oldBounds, 3000), BucketAssigner.GroupOf(newBounds, 3000)));
    }
}
