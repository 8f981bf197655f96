namespace Mesh.Balancing;

/// <summary>
/// A consistent-hash ring over a set of peers: each peer owns <see cref="VirtualNodes"/> points placed by hashing
/// its node id, and a key (its <see cref="MeshKey"/> hash) belongs to the first point at or after it, clockwise.
/// A point's place depends only on its peer's id, so when a peer joins only the keys it takes move (to it), and
/// when one leaves only its keys move (each to the next peer clockwise): about 1/N of the keys either way.
/// Immutable once built, apart from the mean-load cache that <see cref="BoundedLoadHashing"/> keeps here.
/// </summary>
/// <remarks>
/// Finding a key's point is O(1): a table indexed by the key's top bits gives the first point of that slice, and
/// slices hold about one point each, so a lookup reads a few array entries and allocates nothing.
/// </remarks>
internal sealed class KeyRing
{
    /// <summary>Points per peer: the spread of key shares between peers is about 1/√100 = 10 %, and the bound absorbs it.</summary>
    public const int VirtualNodes = 100;

    private const ulong Golden = 0x9E3779B97F4A7C15;
    private readonly ulong[] _points;
    private readonly int[] _owners;
    private readonly int[] _slices;
    private readonly int _shift;

    private KeyRing(ulong[] points, int[] owners, int peerCount)
    {
        _points = points;
        _owners = owners;
        PeerCount = peerCount;
        var bits = 4;
        while (bits < 20 && (1 << bits) < points.Length)
        {
            bits++;
        }

        _shift = 64 - bits;
        _slices = new int[(1 << bits) + 1];
        var point = 0;
        for (var slice = 0; slice < _slices.Length; slice++)
        {
            while (point < points.Length && (int)(points[point] >> _shift) < slice)
            {
                point++;
            }

            _slices[slice] = point;
        }
    }

    /// <summary>How many peers the ring was built from (indices 0 to <c>PeerCount − 1</c>).</summary>
    public int PeerCount { get; }

    /// <summary>How many points the ring has.</summary>
    public int PointCount => _points.Length;

    /// <summary>The mean load over the available peers, as last computed (see <see cref="BoundedLoadHashing"/>).</summary>
    internal double MeanLoad;

    /// <summary>When <see cref="MeanLoad"/> was computed (a timestamp), <see cref="long.MinValue"/> before the first time.</summary>
    internal long MeanLoadAt = long.MinValue;

    /// <summary>1 / the number of available peers when <see cref="MeanLoad"/> was computed (the new call's share).</summary>
    internal double MeanShare = 1;

    /// <summary>Picks since <see cref="MeanLoad"/> was computed (races only delay a refresh).</summary>
    internal int PicksSinceMeanLoad;

    /// <summary>Builds the ring of the peers named <paramref name="nodeIds"/>; a peer's index is its place in the list.</summary>
    public static KeyRing Build(IReadOnlyList<string> nodeIds)
    {
        var points = new ulong[nodeIds.Count * VirtualNodes];
        var owners = new int[points.Length];
        for (var peer = 0; peer < nodeIds.Count; peer++)
        {
            var seed = MeshKey.Hash(nodeIds[peer]);
            for (var i = 0; i < VirtualNodes; i++)
            {
                points[(peer * VirtualNodes) + i] = MeshKey.Mix(seed + ((ulong)(i + 1) * Golden));
                owners[(peer * VirtualNodes) + i] = peer;
            }
        }

        Array.Sort(points, owners);
        return new KeyRing(points, owners, nodeIds.Count);
    }

    /// <summary>The first point at or after <paramref name="key"/>, clockwise (the key's owner is <see cref="PeerAt"/> it).</summary>
    public int FirstPoint(ulong key)
    {
        var slice = (int)(key >> _shift);
        var point = _slices[slice];
        var end = _slices[slice + 1];
        while (point < end && _points[point] < key)
        {
            point++;
        }

        return point == _points.Length ? 0 : point;
    }

    /// <summary>The point after <paramref name="point"/>, clockwise.</summary>
    public int NextPoint(int point) => point + 1 == _points.Length ? 0 : point + 1;

    /// <summary>The index of the peer that owns <paramref name="point"/>.</summary>
    public int PeerAt(int point) => _owners[point];

    /// <summary>The index of the peer that owns <paramref name="key"/> when every peer may take it.</summary>
    public int Owner(ulong key) => _owners[FirstPoint(key)];
}
