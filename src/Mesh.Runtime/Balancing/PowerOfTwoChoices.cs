namespace Mesh.Balancing;

/// <summary>The candidate-drawing part shared by the power-of-two-choices policies.</summary>
internal static class PowerOfTwoChoices
{
    /// <summary>
    /// Draws two distinct random candidates. When one is unavailable (not ready, draining) the other is the
    /// answer (<paramref name="decided"/>); when both are, the first available peer from a random start is,
    /// or the first draw when none is available.
    /// </summary>
    public static (int First, int Second) Draw(ReadOnlySpan<PeerStats> peers, PickRandom random, out int decided)
    {
        if (peers.Length == 1)
        {
            decided = 0;
            return (0, 0);
        }

        var (first, second) = random.NextPair(peers.Length);
        var firstAvailable = peers[first].IsAvailable;
        var secondAvailable = peers[second].IsAvailable;
        if (firstAvailable && secondAvailable)
        {
            decided = -1;
        }
        else if (firstAvailable || secondAvailable)
        {
            decided = firstAvailable ? first : second;
        }
        else
        {
            decided = first;
            for (var i = 0; i < peers.Length; i++)
            {
                var index = (first + i) % peers.Length;
                if (peers[index].IsAvailable)
                {
                    decided = index;
                    break;
                }
            }
        }

        return (first, second);
    }
}
