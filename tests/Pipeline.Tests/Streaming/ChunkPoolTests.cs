using VoiceEmotion.Pipeline.Streaming;

namespace VoiceEmotion.Pipeline.Tests.Streaming;

public class ChunkPoolTests
{
    [Fact]
    public void ARentedArrayHasTheExactLengthAndAReturnedOneComesBackForThatLengthOnly()
    {
        var pool = new ChunkPool();
        var first = pool.Rent(3200);
        Assert.Equal(3200, first.Length);
        pool.Return(first);
        Assert.Equal(3200, pool.HeldBytes);
        Assert.NotSame(first, pool.Rent(3201));
        Assert.Same(first, pool.Rent(3200));
        Assert.Equal(0, pool.HeldBytes);
        Assert.NotSame(first, pool.Rent(3200)); // taken: a fresh one
        Assert.Empty(pool.Rent(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => pool.Rent(-1));
    }

    [Fact]
    public void WhatIsHeldIsBoundedWhateverClientsSend()
    {
        var pool = new ChunkPool(budgetBytes: 10_000);
        // Longer than a pooled chunk: never kept.
        pool.Return(new byte[ChunkPool.MaxPooledBytes + 1]);
        Assert.Equal(0, pool.HeldBytes);
        // The budget: three 3,200-byte arrays fit in 10,000 bytes, the fourth is let go.
        var arrays = Enumerable.Range(0, 4).Select(_ => new byte[3200]).ToArray();
        foreach (var a in arrays) pool.Return(a);
        Assert.Equal(9600, pool.HeldBytes);
        Assert.Equal(3, Enumerable.Range(0, 4).Select(_ => pool.Rent(3200)).Count(a => arrays.Contains(a)));

        // Distinct lengths: a client varying its chunk length cannot make the pool keep ever more kinds of array.
        var many = new ChunkPool();
        for (int length = 1; length <= ChunkPool.MaxLengths + 10; length++) many.Return(new byte[length]);
        long kept = Enumerable.Range(1, ChunkPool.MaxLengths).Sum(n => (long)n);
        Assert.Equal(kept, many.HeldBytes);
        var late = new byte[ChunkPool.MaxLengths + 5];
        many.Return(late);
        Assert.NotSame(late, many.Rent(late.Length));
    }
}
