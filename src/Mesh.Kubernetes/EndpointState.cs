using k8s.Models;

namespace Mesh.Kubernetes;

/// <summary>What an endpoint's conditions mean for the mesh.</summary>
internal enum EndpointState
{
    /// <summary>Not serving (unready, or terminating and no longer serving): not a peer.</summary>
    Gone,

    /// <summary>Terminating but still serving: linked, used only when no ready peer hosts the service.</summary>
    Draining,

    /// <summary>Takes new calls.</summary>
    Ready,
}

/// <summary>Reads EndpointSlice conditions with the API's nil defaults.</summary>
internal static class EndpointConditions
{
    /// <summary>
    /// <c>ready</c> nil means true, <c>serving</c> nil means what <c>ready</c> says (controllers before
    /// <c>serving</c> existed), <c>terminating</c> nil means false. With <c>publishNotReadyAddresses</c> the
    /// controller reports every endpoint ready, so <c>serving</c> and <c>terminating</c> decide.
    /// </summary>
    public static EndpointState Classify(V1EndpointConditions? conditions)
    {
        var ready = conditions?.Ready ?? true;
        var serving = conditions?.Serving ?? ready;
        var terminating = conditions?.Terminating ?? false;
        if (terminating)
        {
            return serving ? EndpointState.Draining : EndpointState.Gone;
        }

        return ready && serving ? EndpointState.Ready : EndpointState.Gone;
    }
}
